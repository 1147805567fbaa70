package dicomweb.hapi;

/** slf4j-simple settings, set before the first logger is created. -D options still win. */
final class Logging {
	private Logging() {}

	static void configure() {
		set("org.slf4j.simpleLogger.showDateTime", "true");
		set("org.slf4j.simpleLogger.dateTimeFormat", "HH:mm:ss.SSS");
		set("org.slf4j.simpleLogger.defaultLogLevel", "info");
		// Hundreds of "Unknown element 'author'" lines while HAPI parses its own bundled value sets.
		set("org.slf4j.simpleLogger.log.ca.uhn.fhir.parser.LenientErrorHandler", "error");
	}

	private static void set(String key, String value) {
		if (System.getProperty(key) == null) System.setProperty(key, value);
	}
}
