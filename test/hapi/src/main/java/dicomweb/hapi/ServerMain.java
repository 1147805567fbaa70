package dicomweb.hapi;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.binary.api.IBinaryStorageSvc;
import ca.uhn.fhir.jpa.binstore.DatabaseBinaryContentStorageSvcImpl;
import ca.uhn.fhir.jpa.config.HapiJpaConfig;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirH2Dialect;
import ca.uhn.fhir.jpa.model.entity.StorageSettings;
import ca.uhn.fhir.jpa.provider.IJpaSystemProvider;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import ca.uhn.fhir.jpa.subscription.submit.config.SubscriptionSubmitterConfig;
import ca.uhn.fhir.narrative2.NullNarrativeGenerator;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import jakarta.persistence.EntityManagerFactory;
import org.apache.commons.dbcp2.BasicDataSource;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;

import javax.sql.DataSource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * A real HAPI FHIR R4 JPA server (the same DAOs, transaction processor and search
 * engine as hapi-fhir-jpaserver-starter) with an H2 database in a file, served by
 * embedded Jetty on 127.0.0.1. Data survives a restart with the same data dir.
 *
 * <pre>
 *   java @$CACHE/hapi/KEY/server.args DATA_DIR PORT     (PORT 0: any free port)
 *   base URL: http://127.0.0.1:PORT/fhir
 * </pre>
 *
 * Prints "LISTENING port" on stdout once requests are served (test/hapi/server.ts
 * then waits for GET /metadata). SIGTERM shuts Spring down, which closes H2 cleanly.
 */
public final class ServerMain {

	static Path dataDir;

	public static void main(String[] args) throws Exception {
		if (args.length < 2 || args.length > 3 || (args.length == 3 && !args[2].equals("--exit-after-start"))) {
			System.err.println("usage: ServerMain DATA_DIR PORT [--exit-after-start]");
			System.exit(2);
		}
		Logging.configure();
		dataDir = Path.of(args[0]).toAbsolutePath();
		int port = Integer.parseInt(args[1]);
		Files.createDirectories(dataDir);

		AnnotationConfigApplicationContext spring = new AnnotationConfigApplicationContext();
		spring.register(Config.class);
		spring.refresh();

		RestfulServer fhir = spring.getBean(RestfulServer.class);
		Server jetty = new Server();
		ServerConnector connector = new ServerConnector(jetty);
		connector.setHost("127.0.0.1");
		connector.setPort(port);
		jetty.addConnector(connector);
		ServletContextHandler handler = new ServletContextHandler();
		handler.setContextPath("/");
		ServletHolder holder = new ServletHolder(fhir);
		holder.setInitOrder(1);
		handler.addServlet(holder, "/fhir/*");
		jetty.setHandler(handler);
		jetty.setStopAtShutdown(false);
		jetty.start();

		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			try {
				jetty.stop();
			} catch (Exception e) {
				e.printStackTrace();
			}
			spring.close(); // closes the EntityManagerFactory and the pool -> H2 closes its file
		}, "shutdown"));

		if (args.length == 3) {
			// Used by tools.sh to record a class-data-sharing archive of a full start and
			// of the requests the tests make, so that those classes load fast later too.
			exercise("http://127.0.0.1:" + connector.getLocalPort() + "/fhir");
			System.out.println("LISTENING " + connector.getLocalPort());
			System.exit(0);
		}
		System.out.println("LISTENING " + connector.getLocalPort());
		System.out.flush();
		jetty.join();
	}

	private static void exercise(String base) throws Exception {
		String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
				+ "{\"fullUrl\":\"urn:uuid:00000000-0000-0000-0000-000000000001\","
				+ "\"resource\":{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:x\",\"value\":\"p\"}]},"
				+ "\"request\":{\"method\":\"POST\",\"url\":\"Patient\",\"ifNoneExist\":\"identifier=urn:x|p\"}},"
				+ "{\"resource\":{\"resourceType\":\"ImagingStudy\",\"identifier\":[{\"system\":\"urn:x\",\"value\":\"s\"}],"
				+ "\"status\":\"available\",\"subject\":{\"reference\":\"urn:uuid:00000000-0000-0000-0000-000000000001\"}},"
				+ "\"request\":{\"method\":\"PUT\",\"url\":\"ImagingStudy?identifier=urn:x|s\"}}]}";
		HttpClient http = HttpClient.newHttpClient();
		for (HttpRequest req : new HttpRequest[] {
			HttpRequest.newBuilder(URI.create(base + "/metadata")).build(),
			HttpRequest.newBuilder(URI.create(base))
					.header("Content-Type", "application/fhir+json")
					.POST(HttpRequest.BodyPublishers.ofString(bundle))
					.build(),
			HttpRequest.newBuilder(URI.create(base + "/ImagingStudy?identifier=urn:x%7Cs")).build(),
		}) {
			HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
			if (res.statusCode() != 200) {
				throw new IllegalStateException(req.method() + " " + req.uri() + ": HTTP " + res.statusCode() + "\n" + res.body());
			}
		}
	}

	@Configuration
	@Import({JpaR4Config.class, HapiJpaConfig.class, JpaBatch2Config.class, Batch2JobsConfig.class,
			SubscriptionSubmitterConfig.class, SubscriptionChannelConfig.class, ThreadPoolFactoryConfig.class})
	public static class Config {

		@Bean
		public JpaStorageSettings storageSettings() {
			JpaStorageSettings s = new JpaStorageSettings();
			// Tests search right after they write: never answer from a cached earlier search.
			s.setReuseCachedSearchResultsForMillis(null);
			s.setIndexMissingFields(StorageSettings.IndexEnabledEnum.DISABLED);
			s.setAllowExternalReferences(true);
			// No background jobs beyond what a request needs.
			s.setSchedulingDisabled(true);
			s.setEnableTaskPreExpandValueSets(false);
			s.setEnableTaskBulkExportJobExecution(false);
			s.setEnableTaskResourceReindexing(false);
			return s;
		}

		@Bean
		public PartitionSettings partitionSettings() {
			return new PartitionSettings();
		}

		@Bean
		public SubscriptionSettings subscriptionSettings() {
			return new SubscriptionSettings();
		}

		@Bean(destroyMethod = "close")
		public DataSource dataSource() {
			BasicDataSource ds = new BasicDataSource();
			ds.setDriver(new org.h2.Driver());
			// WRITE_DELAY=0: a committed transaction is on disk even if the JVM is then killed.
			ds.setUrl("jdbc:h2:file:" + dataDir.resolve("h2") + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE");
			ds.setUsername("sa");
			ds.setPassword("");
			ds.setMaxTotal(10);
			return ds;
		}

		@Primary
		@Bean
		public LocalContainerEntityManagerFactoryBean entityManagerFactory(
				ConfigurableListableBeanFactory beanFactory, FhirContext ctx, JpaStorageSettings settings, DataSource ds) {
			LocalContainerEntityManagerFactoryBean emf =
					HapiEntityManagerFactoryUtil.newEntityManagerFactory(beanFactory, ctx, settings);
			emf.setPersistenceUnitName("HAPI_PU");
			emf.setDataSource(ds);
			Properties p = new Properties();
			p.put("hibernate.dialect", HapiFhirH2Dialect.class.getName());
			p.put("hibernate.hbm2ddl.auto", "update");
			p.put("hibernate.format_sql", "false");
			p.put("hibernate.show_sql", "false");
			p.put("hibernate.search.enabled", "false"); // no Lucene/Elasticsearch full-text index
			// Hibernate's scratch tables for multi-table bulk HQL; HAPI does not need them, and
			// creating them on H2 logs a spurious "Duplicate column" error at every start.
			p.put("hibernate.query.mutation_strategy.global_temporary.create_tables", "false");
			p.put("hibernate.query.mutation_strategy.global_temporary.drop_tables", "false");
			emf.setJpaProperties(p);
			return emf;
		}

		@Primary
		@Bean
		public JpaTransactionManager transactionManager(EntityManagerFactory emf) {
			JpaTransactionManager tm = new JpaTransactionManager();
			tm.setEntityManagerFactory(emf);
			return tm;
		}

		@Bean
		public IBinaryStorageSvc binaryStorageSvc() {
			return new DatabaseBinaryContentStorageSvcImpl();
		}

		@Bean
		public RestfulServer restfulServer(
				IFhirSystemDao<?, ?> systemDao,
				ResourceProviderFactory resourceProviders,
				IJpaSystemProvider systemProvider,
				JpaStorageSettings settings,
				ISearchParamRegistry searchParamRegistry,
				IValidationSupport validationSupport,
				DatabaseBackedPagingProvider pagingProvider) {
			FhirContext ctx = systemDao.getContext();
			ctx.setNarrativeGenerator(new NullNarrativeGenerator());
			RestfulServer server = new RestfulServer(ctx);
			server.registerProviders(resourceProviders.createProviders());
			server.registerProvider(systemProvider); // transaction/batch Bundles at the base URL
			server.setPagingProvider(pagingProvider);
			JpaCapabilityStatementProvider cs = new JpaCapabilityStatementProvider(
					server, systemDao, settings, searchParamRegistry, validationSupport);
			cs.setImplementationDescription("HAPI FHIR JPA (test server)");
			server.setServerConformanceProvider(cs);
			return server;
		}
	}
}
