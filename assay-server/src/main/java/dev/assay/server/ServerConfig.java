package dev.assay.server;

import dev.assay.server.alerts.AlertOptions;
import dev.assay.server.analysis.AnalysisLimits;
import dev.assay.server.analysis.ExperimentRefresh;
import dev.assay.server.api.HttpLimits;
import dev.assay.server.api.OfrepApi;
import dev.assay.server.audit.AuditKey;
import dev.assay.server.events.DuckDbEventStore;
import dev.assay.server.events.KafkaClientSettings;
import dev.assay.server.telemetry.TracingOptions;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Every option of a server ({@code assay serve}), validated once, here: the canonical constructor
 * rejects a bad value with an {@link InvalidOption} naming the component ({@code "kafkaTopic: ..."}),
 * which the CLI turns into its own option name. Build one with {@link #builder()}; the defaults are
 * those of {@code assay serve}.
 *
 * @param port port to listen on, 0 to 65535 (0 picks a free one)
 * @param host address to bind
 * @param dataDir directory of the embedded store, the event database, the audit anchor and key
 * @param databaseUrl a PostgreSQL JDBC URL replacing the embedded config store
 * @param adminToken an admin API key to ensure (at least 16 characters); without it the first start
 *     generates one
 * @param adminPassword the web UI admin user's password ({@code ASSAY_ADMIN_PASSWORD}, 12 to 200
 *     characters); without it the first start generates one
 * @param demo seed the demo project at start
 * @param warehouseUrl JDBC URL of the warehouse analysis reads; without it, the embedded event store
 * @param refreshInterval how often running experiments are refreshed
 * @param webhookUrl where the guardrail monitor POSTs the notice of a halt (http or https)
 * @param analysisQueryTimeout limit of one analysis query, at least 1 s
 * @param analysisMemory memory analysis may use, normalised ({@link AnalysisLimits#memory})
 * @param analysisConcurrent refreshes at once on this server, at least 1
 * @param analysisPerProject refreshes at once per project, 1 to {@code analysisConcurrent}
 * @param sseHeartbeat interval of SSE heartbeats on idle streams
 * @param ofrepRateLimit OFREP token bucket per client key
 * @param httpLimits connection and request limits of the listener
 * @param auditKey the audit MAC key (at least {@value AuditKey#MIN_LENGTH} characters); default the
 *     key file in the data directory
 * @param auditCheckpointInterval how often the audit chain head is checkpointed
 * @param events the event pipeline's options
 * @param alerts delivery of alerts: attempts, backoff, request timeout, private targets (ADR 0027)
 * @param clock the server's clock
 * @param rolloutTick how often the rollout evaluator looks at running rollouts (100 ms to 1 h)
 * @param allowLocalWarehouse start with an own embedded warehouse beside another replica of the store (ADR 0047)
 * @param tracing where spans go: off (the default), an OTLP collector or an exporter (ADR 0041)
 * @param warehouseAccess the customer's own tables and the warehouse credentials (with {@code warehouseUrl})
 * @param incrementalRefresh the lateness bound of incremental refreshes (ADR 0050) on Assay's own
 *     warehouse, or empty for full refreshes only
 */
public record ServerConfig(int port, String host, Path dataDir, Optional<String> databaseUrl,
    Optional<String> adminToken, Optional<String> adminPassword, boolean demo, Optional<String> warehouseUrl,
    Duration refreshInterval, Optional<URI> webhookUrl, Duration analysisQueryTimeout, String analysisMemory, int analysisConcurrent,
    int analysisPerProject, Duration sseHeartbeat, OfrepApi.RateLimit ofrepRateLimit, HttpLimits httpLimits,
    Optional<String> auditKey, Duration auditCheckpointInterval, EventOptions events, AlertOptions alerts,
    Clock clock, Duration rolloutTick, boolean allowLocalWarehouse, TracingOptions tracing,
    dev.assay.server.analysis.WarehouseAccess warehouseAccess, Optional<Duration> incrementalRefresh) {

  /** Shortest admin token accepted. */
  public static final int MIN_ADMIN_TOKEN_LENGTH = 16;

  public ServerConfig {
    if (port < 0 || port > 65535) {
      throw new InvalidOption("port", "must be between 0 and 65535, was " + port);
    }
    require("host", host);
    require("dataDir", dataDir);
    databaseUrl.filter(u -> !u.startsWith("jdbc:")).ifPresent(u -> {
      throw new InvalidOption("databaseUrl", "must be a JDBC URL such as jdbc:postgresql://host:5432/db, was '" + u + "'");
    });
    adminToken.filter(t -> t.length() < MIN_ADMIN_TOKEN_LENGTH).ifPresent(t -> {
      throw new InvalidOption("adminToken", "must be at least " + MIN_ADMIN_TOKEN_LENGTH + " characters");
    });
    adminPassword.ifPresent(p -> {
      int length = p.codePointCount(0, p.length());
      if (length < dev.assay.server.auth.Passwords.MIN_LENGTH || length > dev.assay.server.auth.Passwords.MAX_LENGTH) {
        throw new InvalidOption("adminPassword", "must be " + dev.assay.server.auth.Passwords.MIN_LENGTH + " to "
            + dev.assay.server.auth.Passwords.MAX_LENGTH + " characters");
      }
    });
    warehouseUrl.filter(u -> !u.startsWith("jdbc:")).ifPresent(u -> {
      throw new InvalidOption("warehouseUrl", "must be a JDBC URL such as jdbc:duckdb:/path or jdbc:postgresql://..., was '"
          + u + "'");
    });
    if (warehouseAccess.configured() && warehouseUrl.isEmpty()) {
      throw new InvalidOption("warehouseSchema", "the warehouse tables and credentials need a warehouse URL (--warehouse-url, ASSAY_WAREHOUSE_URL)");
    }
    positive("refreshInterval", refreshInterval);
    incrementalRefresh.filter(Duration::isNegative).ifPresent(l -> {
      throw new InvalidOption("incrementalRefresh", "the lateness bound must not be negative, was " + l);
    });
    if (rolloutTick.toMillis() < 100 || rolloutTick.compareTo(Duration.ofHours(1)) > 0) {
      throw new InvalidOption("rolloutTick", "must be 100 ms to 1 h, was " + rolloutTick);
    }
    webhookUrl.filter(u -> !("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null)
        .ifPresent(u -> {
          throw new InvalidOption("webhookUrl", "must be an http or https URL with a host, was '" + u + "'");
        });
    if (analysisQueryTimeout.toSeconds() < 1) {
      throw new InvalidOption("analysisQueryTimeout", "must be at least 1 s (PT1S), was " + analysisQueryTimeout);
    }
    try {
      analysisMemory = AnalysisLimits.memory(analysisMemory);
    } catch (IllegalArgumentException e) {
      throw new InvalidOption("analysisMemory", e.getMessage());
    }
    if (analysisConcurrent < 1 || analysisPerProject < 1 || analysisPerProject > analysisConcurrent) {
      throw new InvalidOption("analysisConcurrency", "overall at least 1 and per project 1 to overall, were "
          + analysisConcurrent + " and " + analysisPerProject);
    }
    positive("sseHeartbeat", sseHeartbeat);
    require("ofrepRateLimit", ofrepRateLimit);
    require("httpLimits", httpLimits);
    auditKey.filter(k -> k.length() < AuditKey.MIN_LENGTH).ifPresent(k -> {
      throw new InvalidOption("auditKey", "must be at least " + AuditKey.MIN_LENGTH + " characters");
    });
    positive("auditCheckpointInterval", auditCheckpointInterval);
    require("events", events);
    require("alerts", alerts);
    require("clock", clock);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Analysis limits from the analysis options. */
  public AnalysisLimits analysisLimits() {
    return AnalysisLimits.defaults(analysisQueryTimeout).withMemory(analysisMemory)
        .withConcurrency(analysisConcurrent, analysisPerProject);
  }

  static void positive(String option, Duration d) {
    require(option, d);
    if (d.isNegative() || d.isZero()) {
      throw new InvalidOption(option, "must be positive, was " + d);
    }
  }

  private static void require(String option, Object value) {
    if (value == null) {
      throw new InvalidOption(option, "is required");
    }
  }

  /**
   * Collects options; {@link #build()} validates them all (a setter never throws), and
   * {@link #start()} builds and starts a server.
   */
  public static final class Builder {
    private int port = 8080;
    private String host = "0.0.0.0";
    private Path dataDir = Path.of("data");
    private Optional<String> databaseUrl = Optional.empty();
    private Optional<String> adminToken = Optional.empty();
    private Optional<String> adminPassword = Optional.empty();
    private boolean demo;
    private Optional<String> warehouseUrl = Optional.empty();
    private Duration refreshInterval = Duration.ofHours(1);
    private Duration rolloutTick = Duration.ofSeconds(10);
    private boolean allowLocalWarehouse;
    private dev.assay.server.analysis.WarehouseAccess warehouseAccess = dev.assay.server.analysis.WarehouseAccess.DEFAULT;
    private Optional<Duration> incrementalRefresh = Optional.empty();
    private Optional<String> webhookUrl = Optional.empty();
    private AlertOptions alerts = AlertOptions.DEFAULTS;
    private Duration analysisQueryTimeout = ExperimentRefresh.DEFAULT_QUERY_TIMEOUT;
    private String analysisMemory = AnalysisLimits.DEFAULT_MEMORY;
    private int analysisConcurrent = 2;
    private int analysisPerProject = 1;
    private Duration sseHeartbeat = Duration.ofSeconds(15);
    private Clock clock = Clock.systemUTC();
    private double ofrepRate = OfrepApi.DEFAULT_RATE_LIMIT.requestsPerSecond();
    private double ofrepBurst = OfrepApi.DEFAULT_RATE_LIMIT.burst();
    private HttpLimits httpLimits = HttpLimits.DEFAULT;
    private Optional<String> auditKey = Optional.empty();
    private Duration auditCheckpointInterval = Duration.ofSeconds(5);
    private Optional<String> eventHmacKey = Optional.empty();
    private Optional<Set<String>> eventAttributeAllowList = Optional.empty();
    private Optional<Integer> eventRetentionDays = Optional.empty();
    private Duration eventRetentionInterval = Duration.ofHours(1);
    private int eventDedupWindow = DuckDbEventStore.defaultDedupWindow();
    private Optional<String> kafkaBootstrapServers = Optional.empty();
    private String kafkaTopic = "assay-events";
    private boolean kafkaConsume = true;
    private KafkaClientSettings kafkaClient = KafkaClientSettings.DEFAULT;
    private Optional<String> otelEndpoint = Optional.empty();
    private Optional<SpanExporter> spanExporter = Optional.empty();
    private String otelServiceName = "assay";

    private Builder() {}

    /** Port to listen on; 0 picks a free one. Default 8080. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** Address to bind. Default {@code 0.0.0.0}. */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** Directory of the embedded store and the event database. Default {@code ./data}. */
    public Builder dataDir(Path dataDir) {
      this.dataDir = dataDir;
      return this;
    }

    /** A JDBC URL ({@code jdbc:postgresql://...}) to use instead of the embedded store. */
    public Builder databaseUrl(String url) {
      this.databaseUrl = Optional.of(url);
      return this;
    }

    /** Ensures an admin API key with this token exists (at least 16 characters). */
    public Builder adminToken(String token) {
      this.adminToken = Optional.of(token);
      return this;
    }

    /** The web UI admin user's password; without it the first start generates one. */
    public Builder adminPassword(String password) {
      this.adminPassword = Optional.of(password);
      return this;
    }

    /** Seeds the demo project at start. */
    public Builder demo(boolean demo) {
      this.demo = demo;
      return this;
    }

    /**
     * A JDBC URL of the warehouse the analysis reads exposures and metric events from (tables
     * {@code exposures} and {@code metric_events}, see {@code WarehouseSchema}).
     */
    public Builder warehouseUrl(String jdbcUrl) {
      this.warehouseUrl = Optional.of(jdbcUrl);
      return this;
    }

    /** The customer's own tables (a {@code WarehouseMapping} file) and the credentials, for {@link #warehouseUrl}. */
    public Builder warehouseAccess(dev.assay.server.analysis.WarehouseAccess access) {
      this.warehouseAccess = java.util.Objects.requireNonNull(access, "access");
      return this;
    }

    /** Incremental refreshes with this lateness bound on Assay's own warehouse (ADR 0050). Default: off. */
    public Builder incrementalRefresh(Duration lateness) {
      this.incrementalRefresh = Optional.of(lateness);
      return this;
    }

    /** How often running experiments' results are refreshed. Default 1 h. */
    public Builder refreshInterval(Duration interval) {
      this.refreshInterval = interval;
      return this;
    }

    /** How often the rollout evaluator looks at running rollouts (ADR 0031). Default 10 s. */
    /** Lets this replica analyse its own embedded warehouse beside another replica sharing the store. */
    public Builder allowLocalWarehouse(boolean allow) {
      this.allowLocalWarehouse = allow;
      return this;
    }

    public Builder rolloutTick(Duration tick) {
      this.rolloutTick = tick;
      return this;
    }

    /** Where the guardrail monitor POSTs a JSON notice of each experiment it halts (http or https). */
    public Builder webhookUrl(String url) {
      this.webhookUrl = Optional.of(url);
      return this;
    }

    /** How alerts are delivered (retries, backoff, timeout, private targets). Default {@link AlertOptions#DEFAULTS}. */
    public Builder alerts(AlertOptions options) {
      this.alerts = Objects.requireNonNull(options, "alerts");
      return this;
    }

    /** The limit of one analysis query (at least 1 s); longer fails with 422 {@code warehouse_timeout}. Default 5 min. */
    public Builder analysisQueryTimeout(Duration timeout) {
      this.analysisQueryTimeout = timeout;
      return this;
    }

    /** The memory analysis may use, such as {@code 256MB} (the default) or {@code 1GiB}. */
    public Builder analysisMemory(String size) {
      this.analysisMemory = size;
      return this;
    }

    /** How many refreshes run at once on this server and per project (defaults 2 and 1). */
    public Builder analysisConcurrency(int overall, int perProject) {
      this.analysisConcurrent = overall;
      this.analysisPerProject = perProject;
      return this;
    }

    /** Interval of SSE heartbeats on idle streams. Default 15 s. */
    public Builder sseHeartbeat(Duration interval) {
      this.sseHeartbeat = interval;
      return this;
    }

    /** OFREP token bucket per client key. Default {@link OfrepApi#DEFAULT_RATE_LIMIT}. */
    public Builder ofrepRateLimit(double requestsPerSecond, double burst) {
      this.ofrepRate = requestsPerSecond;
      this.ofrepBurst = burst;
      return this;
    }

    /** Connection and request limits of the HTTP listener. Default {@link HttpLimits#DEFAULT}. */
    public Builder httpLimits(HttpLimits limits) {
      this.httpLimits = limits;
      return this;
    }

    /** The audit MAC key (the same on every replica). Default: the key file {@code audit.key} in the data directory. */
    public Builder auditKey(String key) {
      this.auditKey = Optional.of(key);
      return this;
    }

    /** How often the audit chain head is checkpointed to the anchor file. Default 5 s. */
    public Builder auditCheckpointInterval(Duration interval) {
      this.auditCheckpointInterval = interval;
      return this;
    }

    /** Pseudonymizes unit ids of ingested events with HMAC-SHA256 under this key (at least 16 characters). */
    public Builder eventHmacKey(String key) {
      this.eventHmacKey = Optional.of(key);
      return this;
    }

    /** Keeps only these attribute (exposure) and property (metric event) names; others are dropped. */
    public Builder eventAttributeAllowList(Set<String> names) {
      this.eventAttributeAllowList = Optional.of(names);
      return this;
    }

    /** Deletes events older than this many days (by event timestamp), every retention interval. */
    public Builder eventRetentionDays(int days) {
      this.eventRetentionDays = Optional.of(days);
      return this;
    }

    /** How often retention runs. Default 1 h. */
    public Builder eventRetentionInterval(Duration interval) {
      this.eventRetentionInterval = interval;
      return this;
    }

    /**
     * The embedded store's de-duplication window: a re-sent event is recognised while its id is
     * among the last {@code ids / 2} to {@code ids} stored. Default: the largest power of two that
     * fits in a quarter of the maximum heap, 2^20 to 2^26 ids.
     */
    public Builder eventDedupWindow(int ids) {
      this.eventDedupWindow = ids;
      return this;
    }

    /** Kafka mode of the event pipeline (ADR 0008) on these brokers ({@code host:port,...}). */
    public Builder kafka(String bootstrapServers) {
      this.kafkaBootstrapServers = Optional.of(bootstrapServers);
      return this;
    }

    /** The Kafka topic of events (Kafka mode). Default {@code assay-events}. */
    public Builder kafkaTopic(String topic) {
      this.kafkaTopic = topic;
      return this;
    }

    /** Whether this server runs the consumer that writes the topic into the warehouse. Default true. */
    public Builder kafkaConsume(boolean consume) {
      this.kafkaConsume = consume;
      return this;
    }

    /** Kafka client properties (security, tuning), the consumer group and a new topic's layout. */
    public Builder kafkaClient(KafkaClientSettings settings) {
      this.kafkaClient = Objects.requireNonNull(settings, "settings");
      return this;
    }

    /** Exports spans over OTLP/HTTP to this collector's {@code /v1/traces}. Default: tracing off, at no cost. */
    public Builder otelEndpoint(String baseUrl) {
      this.otelEndpoint = Optional.of(baseUrl);
      return this;
    }

    /** Sends spans to this exporter (tests, benchmarks, an embedding application) instead of OTLP. */
    public Builder spanExporter(SpanExporter exporter) {
      this.spanExporter = Optional.of(Objects.requireNonNull(exporter, "exporter"));
      return this;
    }

    /** The {@code service.name} of the spans. Default {@code assay}. */
    public Builder otelServiceName(String name) {
      this.otelServiceName = name;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The validated configuration; {@link InvalidOption} names the first bad option. */
    public ServerConfig build() {
      OfrepApi.RateLimit rateLimit;
      TracingOptions tracing;
      try {
        tracing = TracingOptions.of(otelEndpoint, spanExporter, otelServiceName);
        rateLimit = new OfrepApi.RateLimit(ofrepRate, ofrepBurst);
      } catch (TracingOptions.Invalid e) {
        throw new InvalidOption(e.field().equals("serviceName") ? "otelServiceName" : "otelEndpoint", e.reason());
      } catch (IllegalArgumentException e) { // the rate limit's (TracingOptions throws only Invalid)
        throw new InvalidOption("ofrepRateLimit", e.getMessage());
      }
      EventOptions events = new EventOptions(eventHmacKey, eventAttributeAllowList, eventRetentionDays,
          eventRetentionInterval, eventDedupWindow, kafkaBootstrapServers, kafkaTopic, kafkaConsume,
          kafkaClient);
      return new ServerConfig(port, host, dataDir, databaseUrl, adminToken, adminPassword, demo, warehouseUrl, refreshInterval,
          webhookUrl.map(Builder::uri), analysisQueryTimeout, analysisMemory, analysisConcurrent, analysisPerProject,
          sseHeartbeat, rateLimit, httpLimits, auditKey, auditCheckpointInterval, events, alerts, clock,
          rolloutTick, allowLocalWarehouse, tracing, warehouseAccess, incrementalRefresh);
    }

    /** Builds the configuration and starts a server on it ({@link AssayServer#start(ServerConfig)}). */
    public AssayServer start() {
      return AssayServer.start(build());
    }

    private static URI uri(String url) {
      try {
        return new URI(url);
      } catch (URISyntaxException e) {
        throw new InvalidOption("webhookUrl", "is not a URL: " + e.getMessage());
      }
    }
  }
}
