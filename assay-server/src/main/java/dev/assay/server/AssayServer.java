package dev.assay.server;

import dev.assay.server.api.HttpApi;
import dev.assay.server.api.OfrepApi;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.auth.ApiKeys;
import dev.assay.server.delivery.PayloadCache;
import dev.assay.server.delivery.PayloadEvaluators;
import dev.assay.server.delivery.PayloadSubscriptions;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DemoData;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.Kind;
import dev.assay.server.store.JdbcConfigStore;
import io.helidon.webserver.WebServer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The Assay server: opens the config store (embedded H2 under the data directory, or PostgreSQL),
 * migrates it, bootstraps the admin key, and serves the management API, probes and metrics on
 * Helidon SE (virtual threads). Start with {@link #builder()}; {@link #close()} stops gracefully.
 */
public final class AssayServer implements AutoCloseable {
  private final WebServer web;
  private final ConfigStore store;
  private final Optional<String> generatedAdminToken;
  private final Optional<String> demoClientKey;
  private final PayloadCache payloads;
  private final PayloadSubscriptions subscriptions;
  private Optional<dev.assay.server.analysis.RefreshScheduler> scheduler = Optional.empty();
  private dev.assay.server.audit.AuditCheckpointer auditCheckpointer;
  private dev.assay.server.events.DuckDbEventStore events;
  private dev.assay.server.events.EventGovernance eventGovernance;
  private Optional<dev.assay.server.events.KafkaEventStore> kafkaEvents = Optional.empty();
  private Optional<dev.assay.server.events.KafkaEventConsumer> kafkaConsumer = Optional.empty();
  private Optional<dev.assay.server.events.PostgresEventWarehouse> pgEvents = Optional.empty();
  private java.util.List<String> routes = java.util.List.of();
  private Optional<String> generatedAdminPassword = Optional.empty();
  private Optional<dev.assay.server.analysis.AnalysisExecutor> analysisExecutor = Optional.empty();
  private dev.assay.server.api.ConnectionGuard guard;

  private AssayServer(WebServer web, ConfigStore store, Optional<String> generatedAdminToken,
      Optional<String> demoClientKey, PayloadCache payloads, PayloadSubscriptions subscriptions) {
    this.subscriptions = subscriptions;
    this.web = web;
    this.store = store;
    this.generatedAdminToken = generatedAdminToken;
    this.demoClientKey = demoClientKey;
    this.payloads = payloads;
  }

  /** With {@code demo(true)}: the client key of the demo project's production SDK connection. */
  public Optional<String> demoClientKey() {
    return demoClientKey;
  }

  /** The compiled SDK payloads, kept current as the configuration changes. */
  public PayloadCache payloads() {
    return payloads;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Every HTTP route registered, as {@code "METHOD /path/{param}"} ({@code ANY}: a method fallback). */
  public java.util.List<String> routes() {
    return routes;
  }

  /** The bound port (useful when started on port 0). */
  public int port() {
    return web.port();
  }

  /**
   * The admin token generated at this start because no admin key existed and no admin token was
   * configured; shown once, never stored in clear.
   */
  /* The web UI first: the API's routing ends with a fallback that answers every other path. */
  private static void routing(io.helidon.webserver.http.HttpRouting.Builder r, HttpApi api, ConfigService config,
      PayloadEvaluators evaluators, ConfigStore store, dev.assay.server.auth.Logins logins, Clock clock,
      Optional<dev.assay.server.analysis.ExperimentRefresh> analysis) {
    new dev.assay.server.ui.WebUi(config, evaluators, store, logins,
        dev.assay.server.auth.LoginThrottle.standard(clock), clock, analysis).routing(r);
    api.routing(r);
  }

  /** The admin user's password when this start generated it (shown once, like the admin token). */
  public Optional<String> generatedAdminPassword() {
    return generatedAdminPassword;
  }

  /*
   * The first start creates the user 'admin' (role admin) for the web UI; the password is the
   * fixed one when given, else generated while no admin user can sign in.
   */
  private static Optional<String> bootstrapAdminUser(ConfigService config, dev.assay.server.auth.Logins logins,
      Optional<String> fixed) {
    boolean exists = config.list(Kind.USER, ConfigService.DEFAULT_PROJECT).stream()
        .anyMatch(u -> u.path("key").asText().equals(dev.assay.server.auth.Logins.ADMIN_USER));
    if (!exists) {
      var body = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
      body.put("key", dev.assay.server.auth.Logins.ADMIN_USER);
      body.put("name", "Administrator");
      body.put("role", "admin");
      config.create(Kind.USER, ConfigService.DEFAULT_PROJECT, body, "system");
    }
    return logins.bootstrapAdminPassword(fixed);
  }

  public Optional<String> generatedAdminToken() {
    return generatedAdminToken;
  }

  public String storeDescription() {
    return store.description();
  }

  /** Stops accepting requests, lets in-flight ones finish, and closes the store. */
  @Override
  public void close() {
    try {
      scheduler.ifPresent(dev.assay.server.analysis.RefreshScheduler::close);
      analysisExecutor.ifPresent(dev.assay.server.analysis.AnalysisExecutor::close);
      if (eventGovernance != null) {
        eventGovernance.close();
      }
      subscriptions.closeAll();
      web.stop();
      if (guard != null) {
        guard.close();
      }
      auditCheckpointer.close();
    } finally {
      try {
        kafkaEvents.ifPresent(dev.assay.server.events.KafkaEventStore::close);
        kafkaConsumer.ifPresent(dev.assay.server.events.KafkaEventConsumer::close);
        pgEvents.ifPresent(dev.assay.server.events.PostgresEventWarehouse::close);
        if (events != null) {
          events.close();
        }
      } finally {
        store.close();
      }
    }
  }

  /** The server cannot listen on its host and port (the port is in use, the host is not local). */
  public static final class CannotListenException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    CannotListenException(String message) {
      super(message);
    }

    CannotListenException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Configures and starts a server. */
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
    private Optional<java.net.URI> webhookUrl = Optional.empty();
    private Duration analysisQueryTimeout = dev.assay.server.analysis.ExperimentRefresh.DEFAULT_QUERY_TIMEOUT;
    private String analysisMemory = dev.assay.server.analysis.AnalysisLimits.DEFAULT_MEMORY;
    private int analysisConcurrent = 2;
    private int analysisPerProject = 1;
    private Duration sseHeartbeat = Duration.ofSeconds(15);
    private Clock clock = Clock.systemUTC();
    private OfrepApi.RateLimit ofrepRateLimit = OfrepApi.DEFAULT_RATE_LIMIT;
    private Optional<String> eventHmacKey = Optional.empty();
    private Optional<String> auditKey = Optional.empty();
    private Duration auditCheckpointInterval = Duration.ofSeconds(5);

    /**
     * The audit MAC key (at least {@value dev.assay.server.audit.AuditKey#MIN_LENGTH} characters;
     * the same on every replica). Default: the key file {@code audit.key} in the data directory.
     */
    public Builder auditKey(String key) {
      if (key.length() < dev.assay.server.audit.AuditKey.MIN_LENGTH) {
        throw new IllegalArgumentException("auditKey: must be at least "
            + dev.assay.server.audit.AuditKey.MIN_LENGTH + " characters");
      }
      this.auditKey = Optional.of(key);
      return this;
    }

    /** How often the audit chain head is checkpointed to the anchor file (default 5 s). */
    public Builder auditCheckpointInterval(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("auditCheckpointInterval: must be positive");
      }
      this.auditCheckpointInterval = interval;
      return this;
    }
    private Optional<java.util.Set<String>> eventAttributeAllowList = Optional.empty();
    private Optional<Integer> eventRetentionDays = Optional.empty();
    private int eventDedupWindow = dev.assay.server.events.DuckDbEventStore.defaultDedupWindow();
    private Duration eventRetentionInterval = Duration.ofHours(1);
    private Optional<String> kafkaBootstrapServers = Optional.empty();
    private String kafkaTopic = "assay-events";
    private boolean kafkaConsume = true;
    private dev.assay.server.api.HttpLimits httpLimits = dev.assay.server.api.HttpLimits.DEFAULT;

    private Builder() {}

    /** Connection and request limits of the HTTP listener. Default {@link dev.assay.server.api.HttpLimits#DEFAULT}. */
    public Builder httpLimits(dev.assay.server.api.HttpLimits limits) {
      this.httpLimits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /**
     * Kafka mode of the event pipeline (ADR 0008): ingestion produces to a topic on these brokers
     * ({@code host:port,...}) and acknowledges after the broker does; a consumer in this server
     * writes the topic into the embedded warehouse.
     */
    public Builder kafka(String bootstrapServers) {
      if (bootstrapServers.isBlank()) {
        throw new IllegalArgumentException("kafka bootstrap servers must not be blank");
      }
      this.kafkaBootstrapServers = Optional.of(bootstrapServers);
      return this;
    }

    /** The Kafka topic of events (Kafka mode). Default {@code assay-events}. */
    public Builder kafkaTopic(String topic) {
      if (!topic.matches("[A-Za-z0-9._-]{1,249}")) {
        throw new IllegalArgumentException("kafkaTopic: 1-249 of letters, digits, '.', '_' and '-', was '" + topic + "'");
      }
      this.kafkaTopic = topic;
      return this;
    }

    /** Whether this server runs the consumer that writes the topic into the warehouse. Default true. */
    public Builder kafkaConsume(boolean consume) {
      this.kafkaConsume = consume;
      return this;
    }

    /**
     * Pseudonymizes unit ids of ingested events with HMAC-SHA256 under this key (at least 16
     * characters), so raw ids are never stored. Keep the key: a new key gives new pseudonyms.
     */
    public Builder eventHmacKey(String key) {
      if (key.length() < dev.assay.server.events.EventPrivacy.MIN_KEY_LENGTH) {
        throw new IllegalArgumentException("eventHmacKey: must be at least "
            + dev.assay.server.events.EventPrivacy.MIN_KEY_LENGTH + " characters");
      }
      this.eventHmacKey = Optional.of(key);
      return this;
    }

    /** Keeps only these attribute (exposure) and property (metric event) names; others are dropped. */
    public Builder eventAttributeAllowList(java.util.Set<String> names) {
      this.eventAttributeAllowList = Optional.of(java.util.Set.copyOf(names));
      return this;
    }

    /**
     * The embedded store's de-duplication window: a re-sent event is recognised while its id is
     * among the last {@code ids / 2} to {@code ids} stored (16 bytes of heap per id at a power of
     * two, up to 32 otherwise). Default: the largest power of two that fits in a quarter of the
     * maximum heap, 2^20 to 2^26 ids.
     */
    public Builder eventDedupWindow(int ids) {
      if (ids < 2 || ids > dev.assay.server.events.DuckDbEventStore.MAX_DEDUP_WINDOW) {
        throw new IllegalArgumentException("eventDedupWindow: must be 2 to "
            + dev.assay.server.events.DuckDbEventStore.MAX_DEDUP_WINDOW + " ids, was " + ids);
      }
      this.eventDedupWindow = ids;
      return this;
    }

    /** Deletes events older than this many days (by event timestamp), every retention interval. */
    public Builder eventRetentionDays(int days) {
      if (days < 1) {
        throw new IllegalArgumentException("eventRetentionDays: must be at least 1, was " + days);
      }
      this.eventRetentionDays = Optional.of(days);
      return this;
    }

    /** How often retention runs (with {@link #eventRetentionDays}). Default 1 h. */
    public Builder eventRetentionInterval(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("eventRetentionInterval must be positive, was " + interval);
      }
      this.eventRetentionInterval = interval;
      return this;
    }

    /** Port to listen on; 0 picks a free one. Default 8080. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0-65535, was " + port);
      }
      this.port = port;
      return this;
    }

    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** Directory of the embedded store (used when no database URL is given). Default {@code ./data}. */
    public Builder dataDir(Path dataDir) {
      this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
      return this;
    }

    /** A JDBC URL ({@code jdbc:postgresql://...}) to use instead of the embedded store. */
    public Builder databaseUrl(String url) {
      this.databaseUrl = Optional.of(Objects.requireNonNull(url, "url"));
      return this;
    }

    /** Ensures an admin API key with this token exists (at least 16 characters). */
    /** The admin user's password ({@code ASSAY_ADMIN_PASSWORD}); without it the first start generates one. */
    public Builder adminPassword(String password) {
      dev.assay.server.auth.Passwords.validate(Objects.requireNonNull(password, "password"));
      this.adminPassword = Optional.of(password);
      return this;
    }

    public Builder adminToken(String token) {
      this.adminToken = Optional.of(Objects.requireNonNull(token, "token"));
      return this;
    }

    /** Interval of SSE heartbeats on idle streams. Default 15 s. */
    public Builder sseHeartbeat(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("sseHeartbeat must be positive, was " + interval);
      }
      this.sseHeartbeat = interval;
      return this;
    }

    /**
     * A JDBC URL of the warehouse the analysis reads exposures and metric events from (tables
     * {@code exposures} and {@code metric_events}, see {@code WarehouseSchema}); without it,
     * experiment refreshes answer 409.
     */
    public Builder warehouseUrl(String jdbcUrl) {
      this.warehouseUrl = Optional.of(Objects.requireNonNull(jdbcUrl, "jdbcUrl"));
      return this;
    }

    /** How often running experiments' results are refreshed (with a warehouse). Default 1 h. */
    public Builder refreshInterval(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("refreshInterval must be positive, was " + interval);
      }
      this.refreshInterval = interval;
      return this;
    }

    /**
     * The limit of one analysis query on the warehouse (metrics' own SQL included); a refresh
     * whose query runs longer fails with 422 {@code warehouse_timeout}. Default 5 min.
     */
    public Builder analysisQueryTimeout(Duration timeout) {
      if (timeout.toSeconds() < 1) {
        throw new IllegalArgumentException("analysisQueryTimeout must be at least 1 s, was " + timeout);
      }
      this.analysisQueryTimeout = timeout;
      return this;
    }

    /** Appends the demo's simulated traffic once, when the demo project was created at this start. */
    private void seedDemoTraffic(byte[] payload, dev.assay.server.events.EventStore store) {
      long t0 = System.nanoTime();
      int n = DemoTraffic.seed(payload, store, clock);
      System.getLogger(AssayServer.class.getName()).log(System.Logger.Level.INFO, "demo: seeded {0} events of {1}"
          + " simulated users in {2} ms", n, DemoTraffic.USERS, (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * The memory analysis may use: the DuckDB {@code memory_limit} of the analysis database (with
     * the embedded store, the event database, whose writer shares it); a query needing more fails
     * with 422 {@code analysis_resource_limit}. A size such as {@code 256MB} (the default) or {@code 1GiB}.
     */
    public Builder analysisMemory(String size) {
      try {
        this.analysisMemory = dev.assay.server.analysis.AnalysisLimits.memory(size);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("analysisMemory: " + e.getMessage(), e);
      }
      return this;
    }

    /**
     * How many refreshes run at once on this server and per project (defaults 2 and 1); one more
     * answers 429 {@code analysis_busy} with {@code Retry-After}.
     */
    public Builder analysisConcurrency(int overall, int perProject) {
      if (overall < 1 || perProject < 1 || perProject > overall) {
        throw new IllegalArgumentException("analysisConcurrency: overall at least 1 and per project 1 to overall, were "
            + overall + " and " + perProject);
      }
      this.analysisConcurrent = overall;
      this.analysisPerProject = perProject;
      return this;
    }

    private dev.assay.server.analysis.AnalysisLimits analysisLimits() {
      return dev.assay.server.analysis.AnalysisLimits.defaults(analysisQueryTimeout).withMemory(analysisMemory)
          .withConcurrency(analysisConcurrent, analysisPerProject);
    }

    /**
     * The analysis reads the configured warehouse, or else the embedded event store (locked down
     * for it first: {@code AnalysisSandbox}), on its own executor.
     */
    private dev.assay.server.analysis.ExperimentRefresh analysis(ConfigService config,
        dev.assay.server.events.DuckDbEventStore events, dev.assay.server.analysis.AnalysisExecutor executor) {
      dev.assay.server.analysis.AnalysisLimits limits = executor.limits();
      if (warehouseUrl.isPresent()) {
        String url = warehouseUrl.get();
        // Tables Assay writes (Kafka mode into PostgreSQL) carry each event's project; tables
        // written by others are read as one project's events.
        boolean ownTables = kafkaBootstrapServers.isPresent() && url.startsWith("jdbc:postgresql:");
        dev.assay.server.analysis.WarehouseSchema schema = dev.assay.server.analysis.WarehouseSchema.assayDefault();
        return new dev.assay.server.analysis.ExperimentRefresh(config,
            dev.assay.server.analysis.AnalysisSandbox.warehouse(url, limits),
            dev.assay.server.analysis.Dialect.forJdbcUrl(url), ownTables ? schema : schema.withoutProject(),
            clock, executor);
      }
      try (java.sql.Connection c = events.connect()) {
        dev.assay.server.analysis.AnalysisSandbox.lockDownDuckDb(c, limits);
      } catch (java.sql.SQLException e) {
        throw new IllegalStateException("cannot lock down the event database for analysis: " + e.getMessage(), e);
      }
      return new dev.assay.server.analysis.ExperimentRefresh(config, events::connect,
          dev.assay.server.analysis.Dialect.DUCKDB, dev.assay.server.analysis.WarehouseSchema.assayDefault(), clock,
          executor);
    }

    /**
     * Where the guardrail monitor POSTs a JSON notice of each experiment it halts (http or
     * https); none by default.
     */
    public Builder webhookUrl(String url) {
      java.net.URI uri;
      try {
        uri = new java.net.URI(url);
      } catch (java.net.URISyntaxException e) {
        throw new IllegalArgumentException("webhookUrl is not a URL: " + e.getMessage(), e);
      }
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
        throw new IllegalArgumentException("webhookUrl must be an http or https URL with a host, was '" + url + "'");
      }
      this.webhookUrl = Optional.of(uri);
      return this;
    }

    /** Seeds the demo project at start. */
    public Builder demo(boolean demo) {
      this.demo = demo;
      return this;
    }

    /** OFREP token bucket per client key. Default {@link OfrepApi#DEFAULT_RATE_LIMIT}. */
    public Builder ofrepRateLimit(double requestsPerSecond, double burst) {
      this.ofrepRateLimit = new OfrepApi.RateLimit(requestsPerSecond, burst);
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Opens the store and starts serving; fails fast with a clear message on bad configuration. */
    public AssayServer start() {
      ListenAddress.requireBindable(host, port);
      ConfigStore store;
      if (databaseUrl.isPresent()) {
        store = JdbcConfigStore.open(databaseUrl.get());
      } else {
        try {
          Files.createDirectories(dataDir);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot create data directory " + dataDir, e);
        }
        store = JdbcConfigStore.embedded(dataDir);
      }
      // Event-side resources opened so far, closed again (newest first) if the start fails.
      java.util.Deque<AutoCloseable> opened = new java.util.ArrayDeque<>();
      try {
        SecureRandom random = new SecureRandom();
        Files.createDirectories(dataDir);
        dev.assay.server.audit.AuditKey key = dev.assay.server.audit.AuditKey.load(auditKey, dataDir);
        dev.assay.server.audit.AuditAnchor anchor = dev.assay.server.audit.AuditAnchor.open(
            dataDir.resolve(dev.assay.server.audit.AuditAnchor.FILE_NAME), key);
        dev.assay.server.audit.AuditCheckpointer checkpointer =
            dev.assay.server.audit.AuditCheckpointer.start(store, anchor, clock, auditCheckpointInterval);
        opened.push(checkpointer);
        AuditLog audit = new AuditLog(clock, key, anchor);
        ApiKeys keys = new ApiKeys(store, audit, clock, random);
        ConfigService config = new ConfigService(store, audit, clock, random);
        config.ensureDefaultProject();
        dev.assay.server.auth.Logins logins = keys.logins();
        Optional<String> generatedPassword = bootstrapAdminUser(config, logins, adminPassword);
        Optional<String> generated = Optional.empty();
        if (adminToken.isPresent()) {
          keys.ensureAdminToken(adminToken.get());
        } else {
          generated = keys.bootstrapIfNoAdmin();
        }
        Optional<String> demoKey = Optional.empty();
        boolean demoSeeded = false;
        if (demo) {
          // Seeded with past dates: the demo's experiments started weeks ago (DemoData.HISTORY).
          demoSeeded = DemoData.seed(ago -> new ConfigService(store, audit, Clock.offset(clock, ago.negated()), random));
          demoKey = config.list(Kind.SDK_CONNECTION, DemoData.PROJECT).stream()
              .map(c -> c.path("key").asText()).findFirst();
        }
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);
        PayloadCache payloads = new PayloadCache(config, clock);
        payloads.attach();
        PayloadSubscriptions subscriptions = new PayloadSubscriptions(payloads);
        PayloadEvaluators evaluators = new PayloadEvaluators(payloads);
        OfrepApi ofrep = new OfrepApi(evaluators, keys, ofrepRateLimit, meters);
        try {
          Files.createDirectories(dataDir);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot create data directory " + dataDir, e);
        }
        dev.assay.server.events.DuckDbEventStore events = dev.assay.server.events.DuckDbEventStore.open(dataDir, eventDedupWindow);
        opened.push(events);
        dev.assay.server.analysis.AnalysisExecutor analysisExecutor =
            new dev.assay.server.analysis.AnalysisExecutor(analysisLimits());
        opened.push(analysisExecutor);
        Optional<dev.assay.server.analysis.ExperimentRefresh> analysis =
            Optional.of(analysis(config, events, analysisExecutor));
        dev.assay.server.safety.GuardrailMonitor guardrails =
            new dev.assay.server.safety.GuardrailMonitor(config, meters, webhookUrl);
        analysis.ifPresent(a -> a.onRefreshed(guardrails));
        Optional<dev.assay.server.analysis.RefreshScheduler> scheduler = analysis.map(
            a -> new dev.assay.server.analysis.RefreshScheduler(config, a, refreshInterval));
        // In Kafka mode with a PostgreSQL warehouse, the consumer writes there (ADR 0008);
        // otherwise into the embedded DuckDB file.
        Optional<dev.assay.server.events.PostgresEventWarehouse> pgEvents = kafkaBootstrapServers
            .flatMap(b -> warehouseUrl.filter(u -> u.startsWith("jdbc:postgresql:")))
            .map(dev.assay.server.events.PostgresEventWarehouse::open);
        pgEvents.ifPresent(opened::push);
        dev.assay.server.events.EventStore warehouseEvents = pgEvents.isPresent() ? pgEvents.get() : events;
        if (demoSeeded && demoKey.isPresent()) {
          seedDemoTraffic(payloads.get(demoKey.get()).orElseThrow().json(), warehouseEvents);
        }
        dev.assay.server.events.EventGovernance governance = new dev.assay.server.events.EventGovernance(warehouseEvents,
            dev.assay.server.events.EventPrivacy.of(eventHmacKey, eventAttributeAllowList), eventRetentionDays,
            eventRetentionInterval, store, audit, clock);
        opened.push(governance);
        governance.recordSettings();
        Optional<dev.assay.server.events.KafkaEventStore> kafkaEvents = kafkaBootstrapServers.map(b ->
            dev.assay.server.events.KafkaEventStore.open(b, kafkaTopic, warehouseEvents, java.util.Map.of()));
        kafkaEvents.ifPresent(opened::push);
        Optional<dev.assay.server.events.KafkaEventConsumer> kafkaConsumer = kafkaBootstrapServers.filter(b -> kafkaConsume)
            .map(b -> dev.assay.server.events.KafkaEventConsumer.start(b, kafkaTopic, warehouseEvents, java.util.Map.of()));
        kafkaConsumer.ifPresent(opened::push);
        dev.assay.server.events.EventStore ingest = kafkaEvents.isPresent() ? kafkaEvents.get() : events;
        dev.assay.server.api.ConnectionGuard guard = new dev.assay.server.api.ConnectionGuard(httpLimits);
        opened.push(guard);
        HttpApi api = new HttpApi(store, config, keys, audit, payloads, subscriptions, sseHeartbeat, meters,
            store::healthy, ofrep, analysis, ingest, governance, guard);
        var webConfig = WebServer.builder()
            .host(host)
            .port(port)
            .shutdownGracePeriod(Duration.ofSeconds(10))
            .routing(r -> routing(r, api, config, evaluators, store, logins, clock, analysis))
            .directHandlers(HttpApi.directHandlers())
            .contentEncoding(HttpApi.contentEncoding());
        guard.configure(webConfig);
        WebServer web = webConfig.build().start();
        if (web.port() < 0) {
          web.stop();
          throw ListenAddress.notListening(host, port);
        }
        AssayServer server = new AssayServer(web, store, generated, demoKey, payloads, subscriptions);
        server.generatedAdminPassword = generatedPassword;
        server.routes = api.routes();
        server.scheduler = scheduler;
        server.auditCheckpointer = checkpointer;
        server.events = events;
        server.eventGovernance = governance;
        server.kafkaEvents = kafkaEvents;
        server.kafkaConsumer = kafkaConsumer;
        server.pgEvents = pgEvents;
        server.analysisExecutor = Optional.of(analysisExecutor);
        server.guard = guard;
        return server;
      } catch (IOException e) {
        store.close();
        throw new UncheckedIOException("cannot create data directory " + dataDir, e);
      } catch (RuntimeException e) {
        for (AutoCloseable c : opened) {
          try {
            c.close();
          } catch (Exception suppressed) {
            e.addSuppressed(suppressed);
          }
        }
        store.close();
        throw e;
      }
    }
  }
}
