package dev.assay.cli;

import dev.assay.server.AssayServer;
import dev.assay.server.ServerConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code assay serve}: runs the Assay server until interrupted (Ctrl-C or SIGTERM), then stops
 * gracefully. Every option can also come from an environment variable.
 */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Run the Assay server: management API (/api/v1), health probes (/health/live,"
          + " /health/ready) and Prometheus metrics (/metrics).",
      "Without --database-url the store is embedded (H2 files under --data-dir): nothing to"
          + " install.",
    },
    footer = {
      "",
      "Environment: ASSAY_PORT, ASSAY_HOST, ASSAY_DATA_DIR, ASSAY_DATABASE_URL, ASSAY_ADMIN_TOKEN"
          + " (creates an admin API key with that value; at least 16 characters).",
      "Events: ASSAY_EVENTS_HMAC_KEY (or _FILE), ASSAY_EVENTS_ATTRIBUTES, ASSAY_EVENTS_RETENTION_DAYS,"
          + " ASSAY_KAFKA_BOOTSTRAP_SERVERS, ASSAY_KAFKA_TOPIC, ASSAY_KAFKA_CONSUME, ASSAY_KAFKA_PROPERTIES,"
          + " ASSAY_KAFKA_GROUP_ID, ASSAY_KAFKA_PARTITIONS, ASSAY_KAFKA_REPLICATION_FACTOR,"
          + " ASSAY_KAFKA_CLIENT_*, ASSAY_KAFKA_PRODUCER_*, ASSAY_KAFKA_CONSUMER_*.",
      "Operations: ASSAY_OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_ENDPOINT), OTEL_SERVICE_NAME,"
          + " ASSAY_LOG_FORMAT (docs/operations.md: Tracing, Logs).",
      "Audit: ASSAY_AUDIT_KEY (at least 32 characters, the same on every replica) keys the audit"
          + " log's MACs; without it the key is the file audit.key (0600) in --data-dir.",
      "Without ASSAY_ADMIN_TOKEN the first start prints a one-time admin token.",
      "Web UI: the first start creates the user 'admin' and prints its password;"
          + " ASSAY_ADMIN_PASSWORD (at least 12 characters) sets it instead.",
      "",
      "Examples:",
      "  assay serve --demo",
      "  assay serve --port 9000 --database-url 'jdbc:postgresql://localhost:5432/assay?user=assay'",
    })
final class ServeCommand implements Callable<Integer> {

  /** Held strongly: java.util.logging keeps only weak references to configured loggers. */
  private static final Logger ROOT_LOG = Logger.getLogger("");

  private static final Logger FLYWAY_LOG = Logger.getLogger("org.flywaydb");

  @Spec CommandSpec spec;

  @Option(
      names = {"-p", "--port"},
      defaultValue = "${env:ASSAY_PORT:-8080}",
      description = "Port to listen on (0 picks a free one). Default: ${DEFAULT-VALUE}.")
  int port;

  @Option(
      names = "--host",
      defaultValue = "${env:ASSAY_HOST:-0.0.0.0}",
      description = "Address to bind. Default: ${DEFAULT-VALUE}.")
  String host;

  @Option(
      names = "--data-dir",
      defaultValue = "${env:ASSAY_DATA_DIR:-data}",
      paramLabel = "DIR",
      description = "Directory of the embedded store. Default: ${DEFAULT-VALUE}.")
  Path dataDir;

  @Option(
      names = "--database-url",
      defaultValue = "${env:ASSAY_DATABASE_URL}",
      paramLabel = "JDBC_URL",
      description = "PostgreSQL JDBC URL; replaces the embedded store.")
  String databaseUrl;

  @Option(
      names = "--warehouse-url",
      defaultValue = "${env:ASSAY_WAREHOUSE_URL}",
      paramLabel = "JDBC_URL",
      description = "Warehouse with the exposures and metric_events tables, for experiment results"
          + " (jdbc:duckdb:..., jdbc:postgresql:...).")
  String warehouseUrl;

  @Option(
      names = "--warehouse-schema",
      defaultValue = "${env:ASSAY_WAREHOUSE_SCHEMA}",
      paramLabel = "FILE",
      description = "YAML file naming your own exposure and metric tables (or queries) and their columns, read"
          + " through --warehouse-url (docs/warehouses.md). Credentials: ASSAY_WAREHOUSE_USER, ASSAY_WAREHOUSE_PASSWORD.")
  java.nio.file.Path warehouseSchema;

  @Option(
      names = "--refresh-interval",
      defaultValue = "${env:ASSAY_REFRESH_INTERVAL:-PT1H}",
      paramLabel = "DURATION",
      description = "How often running experiments' results are recomputed (ISO-8601, e.g. PT15M)."
          + " Default: ${DEFAULT-VALUE}.")
  java.time.Duration refreshInterval;

  @Option(
      names = "--webhook-url",
      defaultValue = "${env:ASSAY_WEBHOOK_URL}",
      paramLabel = "URL",
      description = "Where the guardrail monitor POSTs a JSON notice of each experiment it halts"
          + " (http or https). Or set ASSAY_WEBHOOK_URL.")
  String webhookUrl;

  @Option(
      names = "--alerts-allow-private-targets",
      defaultValue = "${env:ASSAY_ALERTS_ALLOW_PRIVATE_TARGETS:-false}",
      description = "Let alert channels send to loopback, link-local and private addresses (refused by"
          + " default against server-side request forgery; cloud metadata addresses stay refused)."
          + " Or set ASSAY_ALERTS_ALLOW_PRIVATE_TARGETS=true.")
  boolean alertsAllowPrivateTargets;

  @Option(
      names = "--allow-local-warehouse",
      defaultValue = "${env:ASSAY_ALLOW_LOCAL_WAREHOUSE:-false}",
      description = "Start even though another replica sharing the store analyses its own embedded event"
          + " warehouse (refused by default: each replica would see only the events it received)."
          + " Or set ASSAY_ALLOW_LOCAL_WAREHOUSE=true.")
  boolean allowLocalWarehouse;

  @Option(
      names = "--event-hmac-key-file",
      defaultValue = "${env:ASSAY_EVENTS_HMAC_KEY_FILE}",
      paramLabel = "FILE",
      description = "File holding a key (at least 16 characters) to pseudonymize event unit ids with"
          + " HMAC-SHA256, so raw ids are never stored. Or set ASSAY_EVENTS_HMAC_KEY.")
  Path eventHmacKeyFile;

  @Option(
      names = "--event-attributes",
      defaultValue = "${env:ASSAY_EVENTS_ATTRIBUTES}",
      split = ",",
      paramLabel = "NAME",
      description = "Allow-list of event attribute/property names to keep (comma-separated); others"
          + " are dropped at ingestion. Default: keep all.")
  java.util.List<String> eventAttributes;

  @Option(
      names = "--event-retention-days",
      defaultValue = "${env:ASSAY_EVENTS_RETENTION_DAYS}",
      paramLabel = "DAYS",
      description = "Delete events older than this many days (checked hourly and on"
          + " POST /api/v1/events/retention). Default: keep all.")
  Integer eventRetentionDays;

  @Option(
      names = "--event-dedup-window",
      defaultValue = "${env:ASSAY_EVENT_DEDUP_WINDOW}",
      paramLabel = "IDS",
      description = "Re-sent events are recognised while their id is among the last IDS/2 to IDS"
          + " stored (16 bytes of heap per id at a power of two). Default: a quarter of the heap, 2^20 to 2^26.")
  Integer eventDedupWindow;

  @Mixin KafkaServeOptions kafka;

  @Option(
      names = "--otel-endpoint",
      paramLabel = "URL",
      description = "Export traces over OTLP/HTTP to this collector (http://collector:4318; spans go to its"
          + " /v1/traces). Or set ASSAY_OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT;"
          + " OTEL_SERVICE_NAME names the service (default assay). Default: tracing off.")
  String otelEndpoint;

  @Option(
      names = "--log-format",
      defaultValue = "${env:ASSAY_LOG_FORMAT:-text}",
      paramLabel = "FORMAT",
      description = "text, or json: one JSON object per line with timestamp, level, logger, message,"
          + " trace_id, span_id and exception. Or set ASSAY_LOG_FORMAT. Default: ${DEFAULT-VALUE}.")
  String logFormat;

  @Option(
      names = "--incremental-refresh",
      defaultValue = "${env:ASSAY_INCREMENTAL_REFRESH}",
      paramLabel = "LATENESS",
      description = "Refresh incrementally from per-unit aggregates kept in Assay's own warehouse, counting events"
          + " that arrive within this lateness bound of their time (ISO-8601, e.g. PT6H; docs/operations.md)."
          + " Default: full refreshes.")
  java.time.Duration incrementalRefresh;

  @Option(
      names = "--analysis-query-timeout",
      defaultValue = "${env:ASSAY_ANALYSIS_QUERY_TIMEOUT:-PT5M}",
      paramLabel = "DURATION",
      description = "Limit of one analysis query on the warehouse, metrics' own SQL included"
          + " (ISO-8601, at least PT1S). Default: ${DEFAULT-VALUE}.")
  java.time.Duration analysisQueryTimeout;

  @Option(
      names = "--analysis-memory",
      defaultValue = "${env:ASSAY_ANALYSIS_MEMORY:-256MB}",
      paramLabel = "SIZE",
      description = "Memory analysis queries may use (DuckDB memory_limit of the analysis database, e.g."
          + " 256MB, 1GiB); a query needing more fails with 422 analysis_resource_limit. Default: ${DEFAULT-VALUE}.")
  String analysisMemory;

  @Option(
      names = "--http-header-timeout",
      defaultValue = "${env:ASSAY_HTTP_HEADER_TIMEOUT:-PT10S}",
      paramLabel = "DURATION",
      description = "A request's line and headers must arrive within this time from its first byte,"
          + " else the connection is closed (slowloris). Default: ${DEFAULT-VALUE}.")
  java.time.Duration httpHeaderTimeout;

  @Option(
      names = "--http-body-timeout",
      defaultValue = "${env:ASSAY_HTTP_BODY_TIMEOUT:-PT60S}",
      paramLabel = "DURATION",
      description = "A request with a body must be read and its answer begun within this time after"
          + " its headers. Default: ${DEFAULT-VALUE}.")
  java.time.Duration httpBodyTimeout;

  @Option(
      names = "--http-idle-timeout",
      defaultValue = "${env:ASSAY_HTTP_IDLE_TIMEOUT:-PT60S}",
      paramLabel = "DURATION",
      description = "Keep-alive connections without a request for this long are closed. Default: ${DEFAULT-VALUE}.")
  java.time.Duration httpIdleTimeout;

  @Option(
      names = "--http-max-connections",
      defaultValue = "${env:ASSAY_HTTP_MAX_CONNECTIONS:-20000}",
      paramLabel = "N",
      description = "Open connections at once (SSE streams included). Default: ${DEFAULT-VALUE}.")
  int httpMaxConnections;

  @Option(
      names = "--http-max-connections-per-client",
      defaultValue = "${env:ASSAY_HTTP_MAX_CONNECTIONS_PER_CLIENT:-1000}",
      paramLabel = "N",
      description = "Open connections at once from one IP address; one more is answered 429."
          + " Default: ${DEFAULT-VALUE}.")
  int httpMaxConnectionsPerClient;

  @Option(
      names = {"-v", "--verbose"},
      description = "Log at INFO level (startup details of the store and HTTP server).")
  boolean verbose;

  @Option(
      names = "--demo",
      description = "Seed a demo project (environments, flags, an experiment with metrics).")
  boolean demo;

  /*
   * The CLI reads files and environment variables and names its options; every value is checked
   * once, by ServerConfig, whose message is re-labelled with the option the user typed.
   */
  private ServerConfig config(String adminToken) {
    ServerConfig.Builder builder = ServerConfig.builder().port(port).host(host).dataDir(dataDir).demo(demo)
        .allowLocalWarehouse(allowLocalWarehouse).refreshInterval(refreshInterval)
        .analysisQueryTimeout(analysisQueryTimeout).analysisMemory(analysisMemory)
        .httpLimits(httpLimits());
    if (incrementalRefresh != null) {
      builder.incrementalRefresh(incrementalRefresh);
    }
    present(databaseUrl).ifPresent(builder::databaseUrl);
    present(warehouseUrl).ifPresent(builder::warehouseUrl);
    builder.warehouseAccess(warehouseAccess());
    present(webhookUrl).ifPresent(builder::webhookUrl);
    builder.alerts(dev.assay.server.alerts.AlertOptions.DEFAULTS.withAllowPrivateTargets(alertsAllowPrivateTargets));
    eventHmacKey().ifPresent(builder::eventHmacKey);
    if (eventAttributes != null && !eventAttributes.isEmpty()) {
      builder.eventAttributeAllowList(new java.util.TreeSet<>(eventAttributes.stream().map(String::strip).toList()));
    }
    kafka.apply(builder, System.getenv());
    java.util.Optional.ofNullable(otelEndpoint).filter(v -> !v.isBlank())
        .or(() -> dev.assay.server.telemetry.TracingOptions.endpointFromEnvironment(System.getenv()))
        .ifPresent(builder::otelEndpoint);
    present(System.getenv("OTEL_SERVICE_NAME")).ifPresent(builder::otelServiceName);
    if (eventDedupWindow != null) {
      builder.eventDedupWindow(eventDedupWindow);
    }
    if (eventRetentionDays != null) {
      builder.eventRetentionDays(eventRetentionDays);
    }
    present(System.getenv("ASSAY_AUDIT_KEY")).ifPresent(builder::auditKey);
    present(adminToken).ifPresent(builder::adminToken);
    present(System.getenv("ASSAY_ADMIN_PASSWORD")).ifPresent(builder::adminPassword);
    try {
      return builder.build();
    } catch (dev.assay.server.InvalidOption e) {
      throw new CliInputException(optionName(e.option()) + ": " + e.reason(), e);
    }
  }

  /* The name a user gave a ServerConfig option: its command-line option or environment variable. */
  private String optionName(String option) {
    return switch (option) {
      case "eventHmacKey" -> eventHmacKeyFile != null ? "--event-hmac-key-file" : "ASSAY_EVENTS_HMAC_KEY";
      case "eventAttributeAllowList" -> "--event-attributes";
      case "auditKey" -> "ASSAY_AUDIT_KEY";
      case "adminToken" -> "ASSAY_ADMIN_TOKEN";
      case "adminPassword" -> "ASSAY_ADMIN_PASSWORD";
      case "otelEndpoint" -> otelEndpoint != null && !otelEndpoint.isBlank() ? "--otel-endpoint"
          : System.getenv(dev.assay.server.telemetry.TracingOptions.ENDPOINT_ENV) != null
              ? dev.assay.server.telemetry.TracingOptions.ENDPOINT_ENV
              : dev.assay.server.telemetry.TracingOptions.STANDARD_ENDPOINT_ENV;
      case "otelServiceName" -> "OTEL_SERVICE_NAME";
      default -> "--" + option.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    };
  }

  /* The warehouse mapping file, with the field at fault named, and the credentials from the environment. */
  private dev.assay.server.analysis.WarehouseAccess warehouseAccess() {
    java.util.Optional<dev.assay.server.analysis.WarehouseSchema> schema = java.util.Optional.empty();
    if (warehouseSchema != null) {
      try {
        schema = java.util.Optional.of(dev.assay.server.analysis.WarehouseMapping.read(warehouseSchema));
      } catch (dev.assay.server.analysis.WarehouseMapping.Invalid e) {
        throw new CliInputException("--warehouse-schema " + warehouseSchema + ": " + e.getMessage(), e);
      } catch (java.io.IOException e) {
        throw new CliInputException("--warehouse-schema: cannot read " + warehouseSchema + " (" + e + ")", e);
      }
    }
    return new dev.assay.server.analysis.WarehouseAccess(schema, present(System.getenv("ASSAY_WAREHOUSE_USER")),
        present(System.getenv("ASSAY_WAREHOUSE_PASSWORD")));
  }

  private static java.util.Optional<String> present(String value) {
    return java.util.Optional.ofNullable(value).filter(v -> !v.isBlank());
  }

  private java.util.Optional<String> eventHmacKey() {
    if (eventHmacKeyFile == null) {
      return present(System.getenv("ASSAY_EVENTS_HMAC_KEY"));
    }
    try {
      return present(java.nio.file.Files.readString(eventHmacKeyFile).strip());
    } catch (java.io.IOException e) {
      throw new CliInputException("--event-hmac-key-file: cannot read " + eventHmacKeyFile + ": " + e.getMessage(), e);
    }
  }

  private dev.assay.server.api.HttpLimits httpLimits() {
    try {
      return dev.assay.server.api.HttpLimits.DEFAULT.withHeaderTimeout(httpHeaderTimeout)
          .withBodyTimeout(httpBodyTimeout).withIdleTimeout(httpIdleTimeout).withMaxConnections(httpMaxConnections)
          .withMaxConnectionsPerClient(httpMaxConnectionsPerClient);
    } catch (IllegalArgumentException e) {
      // HttpLimits names its fields; say the option instead.
      String m = e.getMessage();
      for (String[] o : new String[][] {{"headerTimeout", "--http-header-timeout"}, {"bodyTimeout", "--http-body-timeout"},
          {"idleTimeout", "--http-idle-timeout"}, {"maxConnectionsPerClient", "--http-max-connections-per-client"},
          {"maxConnections", "--http-max-connections"}}) {
        if (m.startsWith(o[0] + " ")) {
          m = o[1] + ":" + m.substring(o[0].length());
          break;
        }
      }
      throw new CliInputException(m);
    }
  }

  @Override
  public Integer call() {
    ROOT_LOG.setLevel(verbose ? Level.INFO : Level.WARNING);
    switch (logFormat == null ? "text" : logFormat.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "json" -> dev.assay.server.telemetry.JsonLogFormatter.install();
      case "text", "" -> { }
      default -> throw new CliInputException("--log-format: must be text or json, was '" + logFormat + "'");
    }
    // Flyway warns that it has not been tested with this H2 release; it is, by our contract tests.
    FLYWAY_LOG.setLevel(verbose ? Level.INFO : Level.SEVERE);
    String token = System.getenv("ASSAY_ADMIN_TOKEN");
    ServerConfig config = config(token);
    PrintWriter out = spec.commandLine().getOut();
    AssayServer server;
    try {
      server = AssayServer.start(config);
    } catch (dev.assay.server.InvalidOption e) {
      throw new CliInputException(optionName(e.option()) + ": " + e.reason(), e);
    } catch (IllegalArgumentException e) {
      throw new CliInputException(e.getMessage(), e);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              System.err.println("assay: shutting down");
              server.close();
              stopped.countDown();
            },
            "assay-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    ServeBanner banner = new ServeBanner(host, server.port(), server.generatedAdminToken(),
        token != null && !token.isBlank());
    banner.printRunning(out, server.storeDescription());
    String password = System.getenv("ASSAY_ADMIN_PASSWORD");
    banner.printSignIn(out, server.generatedAdminPassword(), password != null && !password.isEmpty());
    banner.printUsage(out);
    if (demo) {
      banner.printDemo(out, server.demoClientKey());
    }
    banner.printFooter(out);
    out.flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      // Embedded use (tests, an IDE): interrupting the command stops the server.
      Runtime.getRuntime().removeShutdownHook(hook);
      server.close();
      Thread.currentThread().interrupt();
    }
    return 0;
  }
}
