package dicomweb.hapi;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.UnknownCodeSystemWarningValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.r5.utils.validation.constants.BestPracticeWarningLevel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * FHIR R4 instance validator as a tiny loopback HTTP service, so a test run pays
 * the JVM and StructureDefinition loading cost once, not per resource.
 *
 * <pre>
 *   java @$CACHE/hapi/KEY/validator.args [port]     (port 0 or absent: any free port)
 *   POST /validate   body: one FHIR R4 resource as JSON
 *     200 [{"severity":"error","location":"ImagingStudy.status","message":"..."}, ...]
 *   GET  /health     200 ok
 * </pre>
 *
 * Prints exactly one line "LISTENING port" on stdout once warmed up and ready.
 *
 * What it validates against: ONLY the base FHIR R4 StructureDefinitions, ValueSets
 * and CodeSystems that ship in hapi-fhir-validation-resources-r4
 * (DefaultProfileValidationSupport), plus HAPI's built-in knowledge of a few
 * common external code systems (CommonCodeSystemsTerminologyService: UCUM,
 * BCP-47 languages, MIME types, ISO country/currency codes, USPS states).
 * There is no terminology server and no network access: no
 * RemoteTerminologyServiceValidationSupport is configured, so the validator never
 * calls out. Codes from code systems it does not have (SNOMED CT, LOINC, DICOM
 * DCM, RadLex, local systems, ...) are accepted with a WARNING, never an error:
 * UnknownCodeSystemWarningValidationSupport with nonExistentCodeSystemSeverity =
 * WARNING sits last in the chain and answers for them. Required bindings to value
 * sets made of FHIR's own code systems (e.g. ImagingStudy.status) are still
 * checked and reported as errors, and so are UCUM units. A meta.profile the
 * validator does not have is a warning (only base profiles are checked).
 */
public final class ValidatorMain {
	private static final ObjectMapper JSON = new ObjectMapper();

	public static void main(String[] args) throws Exception {
		Logging.configure();
		boolean exitAfterWarmUp = args.length > 0 && args[0].equals("--warm-up-and-exit");
		int port = args.length > 0 && !exitAfterWarmUp ? Integer.parseInt(args[0]) : 0;
		FhirValidator validator = newValidator();

		// Warm up: the first validation loads and snapshots the base profiles (seconds).
		validate(validator, "{\"resourceType\":\"ImagingStudy\",\"status\":\"available\","
				+ "\"subject\":{\"reference\":\"Patient/p\"},"
				+ "\"modality\":[{\"system\":\"http://dicom.nema.org/resources/ontology/DCM\",\"code\":\"CT\"}]}");
		if (exitAfterWarmUp) {
			// Used by tools.sh to record a class-data-sharing archive of everything loaded so far.
			System.exit(0);
		}

		HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
		server.setExecutor(Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors())));
		server.createContext("/health", ex -> reply(ex, 200, "text/plain", "ok"));
		server.createContext("/validate", ex -> {
			try {
				if (!"POST".equals(ex.getRequestMethod())) {
					reply(ex, 405, "text/plain", "POST a FHIR resource as JSON");
					return;
				}
				String body;
				try (InputStream in = ex.getRequestBody()) {
					body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
				}
				reply(ex, 200, "application/json", validate(validator, body));
			} catch (Throwable t) {
				reply(ex, 500, "text/plain", String.valueOf(t));
			}
		});
		server.start();
		System.out.println("LISTENING " + server.getAddress().getPort());
		System.out.flush();
	}

	static FhirValidator newValidator() {
		FhirContext ctx = FhirContext.forR4Cached();

		UnknownCodeSystemWarningValidationSupport unknownCodeSystems = new UnknownCodeSystemWarningValidationSupport(ctx);
		unknownCodeSystems.setNonExistentCodeSystemSeverity(IValidationSupport.IssueSeverity.WARNING);

		ValidationSupportChain chain = new ValidationSupportChain(
				new DefaultProfileValidationSupport(ctx), // base R4 StructureDefinitions/ValueSets/CodeSystems
				new CommonCodeSystemsTerminologyService(ctx), // UCUM, languages, mime types, ISO codes (offline)
				new SnapshotGeneratingValidationSupport(ctx),
				new InMemoryTerminologyServerValidationSupport(ctx), // expands/checks value sets locally
				unknownCodeSystems); // anything else: unknown code system -> warning

		FhirInstanceValidator module = new FhirInstanceValidator(chain);
		module.setAnyExtensionsAllowed(true);
		// Only the base profiles are checked: a meta.profile we do not have is a warning.
		module.setErrorForUnknownProfiles(false);
		module.setBestPracticeWarningLevel(BestPracticeWarningLevel.Warning);

		FhirValidator validator = ctx.newValidator();
		validator.setValidateAgainstStandardSchema(false);
		validator.setValidateAgainstStandardSchematron(false);
		validator.registerValidatorModule(module);
		return validator;
	}

	static String validate(FhirValidator validator, String resourceJson) throws IOException {
		ArrayNode out = JSON.createArrayNode();
		ValidationResult result;
		try {
			result = validator.validateWithResult(resourceJson);
		} catch (DataFormatException e) { // not FHIR JSON at all
			out.addObject().put("severity", "fatal").put("location", "").put("message", e.getMessage());
			return JSON.writeValueAsString(out);
		}
		for (SingleValidationMessage m : result.getMessages()) {
			ObjectNode issue = out.addObject();
			issue.put("severity", m.getSeverity() == null ? "error" : m.getSeverity().getCode());
			issue.put("location", m.getLocationString() == null ? "" : m.getLocationString());
			issue.put("message", m.getMessage() == null ? "" : m.getMessage());
			if (m.getMessageId() != null) issue.put("messageId", m.getMessageId());
		}
		return JSON.writeValueAsString(out);
	}

	private static void reply(HttpExchange ex, int status, String type, String body) throws IOException {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		ex.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
		ex.sendResponseHeaders(status, bytes.length);
		try (OutputStream os = ex.getResponseBody()) {
			os.write(bytes);
		}
	}
}
