package dev.assay.server;

import dev.assay.server.auth.LoginThrottle;
import dev.assay.server.auth.Logins;
import dev.assay.server.delivery.PayloadEvaluators;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.User;
import dev.assay.server.ui.WebUi;

import dev.assay.server.alerts.AlertDispatcher;
import dev.assay.server.alerts.AlertOutbox;
import dev.assay.server.analysis.AnalysisExecutor;
import dev.assay.server.analysis.AnalysisLimits;
import dev.assay.server.analysis.AnalysisSandbox;
import dev.assay.server.analysis.Dialect;
import dev.assay.server.analysis.ExperimentRefresh;
import dev.assay.server.analysis.RefreshScheduler;
import dev.assay.server.analysis.WarehouseSchema;
import dev.assay.server.api.ApiServices;
import dev.assay.server.api.ConnectionGuard;
import dev.assay.server.api.HttpApi;
import dev.assay.server.api.Readiness;
import dev.assay.server.api.RouteContributor;
import dev.assay.server.audit.AuditAnchor;
import dev.assay.server.audit.AuditCheckpointer;
import dev.assay.server.audit.AuditKey;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.auth.ApiKeys;
import dev.assay.server.delivery.PayloadCache;
import dev.assay.server.delivery.PayloadSubscriptions;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DemoData;
import dev.assay.server.events.DuckDbEventStore;
import dev.assay.server.events.EventGovernance;
import dev.assay.server.events.EventPrivacy;
import dev.assay.server.privacy.PrivacySettingsService;
import dev.assay.server.events.EventStore;
import dev.assay.server.events.KafkaEventConsumer;
import dev.assay.server.events.KafkaEventStore;
import dev.assay.server.events.PostgresEventWarehouse;
import dev.assay.server.safety.AlertWatch;
import dev.assay.server.safety.BreakerRecovery;
import dev.assay.server.safety.CircuitBreakers;
import dev.assay.server.safety.ExposureWatch;
import dev.assay.server.safety.GuardrailMonitor;
import dev.assay.server.safety.BanditUpdates;
import dev.assay.server.safety.ScheduledChanges;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.JdbcConfigStore;
import dev.assay.server.store.Kind;
import dev.assay.server.telemetry.Telemetry;
import io.helidon.webserver.WebServer;
import io.opentelemetry.api.trace.Tracer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Wires a server from its {@link ServerConfig}: each part is built in dependency order in the
 * constructor, and every part with a lifecycle is registered with one {@link Closer} as soon as it
 * is started, so that stopping (or a start that fails half-way) closes exactly what was started,
 * newest first. The order, and so the shutdown: the telemetry (ADR 0041: closed last, it exports
 * the spans of everything else's shutdown), the config store, the audit checkpointer, the
 * alert dispatcher, the event database, the analysis executor and scheduler, the PostgreSQL event warehouse, event
 * governance, the Kafka producer and consumer, the connection guard, the listener, and last the
 * SSE streams (closed first, so the listener's graceful stop does not wait for them).
 */
final class ServerWiring {
  private static final System.Logger LOG = System.getLogger(AssayServer.class.getName());
  /** How often the scheduler looks for due scheduled changes. */
  private static final Duration SCHEDULE_TICK = Duration.ofMillis(250);
  private static final Duration BANDIT_TICK = Duration.ofSeconds(1);
  private static final Duration WATCH_TICK = Duration.ofSeconds(1);
  private static final Duration PLATFORM_AA_TICK = Duration.ofMinutes(1);

  private final ServerConfig c;
  private final Closer closer;
  private final Telemetry telemetry;
  private final ConfigStore store;
  private final AuditLog audit;
  private final ApiKeys keys;
  private final ConfigService config;
  private final Optional<String> generatedAdminToken;
  private final Logins logins;
  private final Optional<String> generatedAdminPassword;
  private final boolean demoSeeded;
  private final Optional<String> demoClientKey;
  private final PrometheusMeterRegistry meters;
  private final AlertOutbox alerts;
  private final PayloadCache payloads;
  private final PayloadSubscriptions subscriptions;
  private final DuckDbEventStore events;
  private final ExperimentRefresh analysis;
  private final EventStore warehouseEvents;
  private final EventGovernance governance;
  private final PrivacySettingsService privacy;
  private dev.assay.server.events.DataContracts contracts;
  private final EventStore ingest;
  /* This replica's Kafka consumer, when it runs one (set by startKafka). */
  private @Nullable KafkaEventConsumer consumer;
  private final ConnectionGuard guard;
  private final HttpApi api;
  private final WebServer web;
  /* The safety services the API and the web UI share (one ChangeRequests: it installs the approval guard). */
  private final CircuitBreakers breakerService;
  private final dev.assay.server.safety.Rollouts rolloutService;
  private final dev.assay.server.approvals.Policies policies;
  private final dev.assay.server.approvals.ChangeRequests changeRequests;

  private ServerWiring(ServerConfig c, Closer closer) {
    this.c = c;
    this.closer = closer;
    ListenAddress.requireBindable(c.host(), c.port());
    // Registered first, so closed last: the spans of everything else's shutdown are exported too.
    this.telemetry = closer.register(Telemetry.start(c.tracing()));
    Tracer tracer = telemetry.tracer();
    this.store = closer.register(openStore());
    this.audit = openAudit();
    SecureRandom random = new SecureRandom();
    this.keys = new ApiKeys(store, audit, c.clock(), random);
    this.config = new ConfigService(store, audit, c.clock(), random);
    config.ensureDefaultProject();
    this.generatedAdminToken = bootstrapAdmin();
    this.logins = keys.logins();
    this.generatedAdminPassword = bootstrapAdminUser();
    // Seeded with past dates: the demo's experiments started weeks ago (DemoData.HISTORY).
    this.demoSeeded = c.demo()
        && DemoData.seed(ago -> new ConfigService(store, audit, Clock.offset(c.clock(), ago.negated()), random));
    this.demoClientKey = c.demo() ? config.configuration(DemoData.PROJECT).sdkConnections().stream()
        .map(s -> s.value().key()).findFirst() : Optional.empty();
    this.meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(meters);
    new JvmThreadMetrics().bindTo(meters);
    this.alerts = closer.register(AlertDispatcher.start(store, audit, c.alerts(), c.webhookUrl(), c.clock(), random,
        meters).traced(tracer)).outbox();
    config.onLifecycle(alerts.lifecycleAlerts());
    this.payloads = new PayloadCache(config, c.clock()).traced(tracer);
    payloads.attach();
    this.subscriptions = new PayloadSubscriptions(payloads);
    this.events = closer.register(DuckDbEventStore.open(c.dataDir(), c.events().dedupWindow()).traced(tracer));
    if (c.warehouseUrl().isEmpty() && !c.allowLocalWarehouse()) {
      closer.register(LocalWarehouseLease.take(store)); // one replica per store analyses its own events
    }
    this.analysis = startAnalysis();
    this.warehouseEvents = openWarehouseEvents();
    seedDemoTraffic();
    this.governance = closer.register(new EventGovernance(warehouseEvents,
        EventPrivacy.of(c.events().hmacKey(), c.events().attributeAllowList()), c.events().retentionDays(),
        c.events().retentionInterval(), store, audit, c.clock()));
    governance.recordSettings();
    // The key of 'hash' redactions: the events' pseudonymization key when one is set, else one
    // derived from the audit key (ADR 0044).
    this.privacy = new PrivacySettingsService(store, audit, Optional.of(c.events().hmacKey()
        .map(k -> k.getBytes(java.nio.charset.StandardCharsets.UTF_8)).orElseGet(() -> audit.derivedKey("redaction"))));
    governance.typeRetention(privacy);
    analysis.minCellUnits(privacy::minCellUnits);
    this.ingest = startKafka();
    this.guard = closer.register(new ConnectionGuard(c.httpLimits()));
    var rollouts = startRollouts();
    this.api = new HttpApi(new ApiServices(store, config, keys, audit, payloads, subscriptions, meters,
        () -> new Readiness(store.healthy(), Optional.ofNullable(consumer).map(KafkaEventConsumer::status)),
        Optional.of(analysis), ingest, governance, guard, c.sseHeartbeat(), c.ofrepRateLimit(), alerts,
        this.breakerService = breakers(),
        closer.register(new ScheduledChanges(store, config, audit, rollouts, c.clock(), SCHEDULE_TICK).traced(tracer)),
        this.rolloutService = rollouts,
        this.policies = new dev.assay.server.approvals.Policies(store, audit, c.clock()),
        this.changeRequests = new dev.assay.server.approvals.ChangeRequests(store, config, audit, c.clock(), alerts, rollouts),
        privacy,
        this.contracts = new dev.assay.server.events.DataContracts(store, audit, c.clock(), meters)),
        routeContributors(), telemetry);
    config.onChange(contracts::invalidate); // an experiment's change alters what exposures are flagged
    this.web = startListener();
    closer.onClose(subscriptions::closeAll);
    closer.register(new AlertWatch(config, alerts, c.clock(), WATCH_TICK, AlertWatch.DEFAULT_STALE_DAYS));
    closer.register(new ExposureWatch(config, warehouseEvents, alerts, c.clock(), WATCH_TICK));
  }

  private CircuitBreakers breakers() {
    CircuitBreakers breakers = new CircuitBreakers(store, config, audit, meters, c.clock(), alerts)
        .traced(telemetry.tracer());
    closer.register(new BreakerRecovery(breakers, config, WATCH_TICK));
    return breakers;
  }

  /** Starts a server; on failure, everything started so far is closed again and the failure thrown. */
  static AssayServer start(ServerConfig config) {
    Closer closer = new Closer();
    try {
      ServerWiring w = new ServerWiring(config, closer);
      return new AssayServer(w.web.port(), w.store.description(), w.generatedAdminToken, w.generatedAdminPassword,
          w.demoClientKey, w.payloads, w.api.routes(), closer);
    } catch (RuntimeException e) {
      try {
        closer.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * Routes other edge packages mount beside the API: the web UI at {@code /}. Add a contributor
   * here, nowhere else.
   */
  private List<RouteContributor> routeContributors() {
    WebUi ui = new WebUi(config, new PayloadEvaluators(payloads), store, logins, LoginThrottle.standard(c.clock()),
        c.clock(), audit, keys, ingest, contracts, Optional.of(analysis),
        new WebUi.Safety(policies, changeRequests, rolloutService, breakerService, alerts), privacy);
    return List.of(ui::routing);
  }

  private ConfigStore openStore() {
    try {
      // The data directory holds the audit key and anchor even when the store is PostgreSQL.
      Files.createDirectories(c.dataDir());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create data directory " + c.dataDir(), e);
    }
    return c.databaseUrl().map(JdbcConfigStore::open).orElseGet(() -> JdbcConfigStore.embedded(c.dataDir()));
  }

  private AuditLog openAudit() {
    AuditKey key = AuditKey.load(c.auditKey(), c.dataDir());
    AuditAnchor anchor = AuditAnchor.open(c.dataDir().resolve(AuditAnchor.FILE_NAME), key);
    closer.register(AuditCheckpointer.start(store, anchor, c.clock(), c.auditCheckpointInterval()));
    return new AuditLog(c.clock(), key, anchor);
  }

  /*
   * The first start creates the user 'admin' (role admin) for the web UI; its password is the
   * configured one, else generated while the admin user has none.
   */
  private Optional<String> bootstrapAdminUser() {
    try {
      config.create(Kind.USER, ConfigService.DEFAULT_PROJECT,
          new User(Logins.ADMIN_USER, "Administrator", null, "admin", null), "system");
    } catch (DomainException e) {
      if (!"already_exists".equals(e.code())) { // else: it exists (or another replica created it just now)
        throw e;
      }
    }
    return logins.bootstrapAdminPassword(c.adminPassword());
  }

  private Optional<String> bootstrapAdmin() {
    if (c.adminToken().isPresent()) {
      keys.ensureAdminToken(c.adminToken().get());
      return Optional.empty();
    }
    return keys.bootstrapIfNoAdmin();
  }

  /*
   * The analysis reads the configured warehouse, or else the embedded event store (locked down for
   * it first: AnalysisSandbox), on its own executor; the guardrail monitor reads each refresh and
   * the scheduler refreshes running experiments.
   */
  private ExperimentRefresh startAnalysis() {
    AnalysisExecutor executor = closer.register(new AnalysisExecutor(c.analysisLimits()));
    AnalysisLimits limits = executor.limits();
    ExperimentRefresh refresh;
    if (c.warehouseUrl().isPresent()) {
      String url = c.warehouseUrl().get();
      // Tables Assay writes (Kafka mode into PostgreSQL) carry each event's project; tables
      // written by others are read as one project's events, or as the warehouse mapping says.
      boolean ownTables = c.events().kafkaMode() && url.startsWith("jdbc:postgresql:");
      WarehouseSchema schema = WarehouseSchema.assayDefault();
      schema = c.warehouseAccess().schema().orElse(ownTables ? schema : schema.withoutProject().withoutFlag());
      refresh = new ExperimentRefresh(config, AnalysisSandbox.warehouse(url, c.warehouseAccess(), limits),
          Dialect.forJdbcUrl(url), schema, c.clock(), executor);
      if (ownTables && c.warehouseAccess().schema().isEmpty()) { // a customer's tables stay read-only (ADR 0050)
        c.incrementalRefresh().ifPresent(refresh::incremental);
      }
    } else {
      try (Connection connection = events.connect()) {
        AnalysisSandbox.lockDownDuckDb(connection, limits);
      } catch (SQLException e) {
        throw new IllegalStateException("cannot lock down the event database for analysis: " + e.getMessage(), e);
      }
      refresh = new ExperimentRefresh(config, events::connect, Dialect.DUCKDB, WarehouseSchema.assayDefault(),
          c.clock(), executor);
      c.incrementalRefresh().ifPresent(refresh::incremental);
    }
    refresh.traced(telemetry.tracer());
    refresh.onRefreshed(new GuardrailMonitor(config, meters, alerts, telemetry.tracer()));
    closer.register(new RefreshScheduler(config, refresh, c.refreshInterval(), meters));
    closer.register(new BanditUpdates(config, refresh.bandits(), c.clock(), BANDIT_TICK));
    closer.register(new dev.assay.server.safety.PlatformAaWatch(config, refresh.platformAa(), alerts, c.clock(),
        dev.assay.server.safety.PlatformAaWatch.DEFAULT_INTERVAL, PLATFORM_AA_TICK));
    return refresh;
  }

  /* Progressive rollouts (ADR 0031) and their evaluator, which measures steps on the analysis warehouse. */
  private dev.assay.server.safety.Rollouts startRollouts() {
    var rollouts = new dev.assay.server.safety.Rollouts(store, config, audit, c.clock(), alerts)
        .traced(telemetry.tracer());
    closer.register(new dev.assay.server.safety.RolloutEvaluator(config, rollouts, analysis.stepWindows(), c.clock(),
        c.rolloutTick(), meters).traced(telemetry.tracer()));
    return rollouts;
  }

  /* In Kafka mode with a PostgreSQL warehouse, the consumer writes there (ADR 0008); otherwise into DuckDB. */
  private EventStore openWarehouseEvents() {
    Optional<String> postgres = c.warehouseUrl().filter(u -> c.events().kafkaMode() && u.startsWith("jdbc:postgresql:"));
    return postgres.<EventStore>map(u -> closer.register(PostgresEventWarehouse.open(u).traced(telemetry.tracer()))).orElse(events);
  }

  /** Appends the demo's simulated traffic once, when the demo project was created at this start. */
  private void seedDemoTraffic() {
    if (!demoSeeded || demoClientKey.isEmpty()) {
      return;
    }
    long t0 = System.nanoTime();
    int n = DemoTraffic.seed(payloads.get(demoClientKey.get()).orElseThrow().json(), warehouseEvents, c.clock());
    LOG.log(System.Logger.Level.INFO, "demo: seeded {0} events of {1} simulated users in {2} ms", n,
        DemoTraffic.USERS, (System.nanoTime() - t0) / 1_000_000);
  }

  /* Kafka mode: ingestion produces to the topic, and (unless disabled) a consumer writes the warehouse. */
  private EventStore startKafka() {
    if (!c.events().kafkaMode()) {
      return events;
    }
    String brokers = c.events().kafkaBootstrapServers().get();
    String topic = c.events().kafkaTopic();
    var settings = c.events().kafkaClient();
    LOG.log(System.Logger.Level.INFO, "Kafka mode: brokers {0}, topic {1}, {2}", brokers, topic, settings.describe());
    KafkaEventStore producer = closer.register(KafkaEventStore.open(brokers, topic, warehouseEvents, settings)
        .traced(telemetry.tracer()));
    if (c.events().kafkaConsume()) {
      consumer = closer.register(KafkaEventConsumer.start(brokers, topic, warehouseEvents, settings).bindTo(meters)
          .traced(telemetry.tracer()));
    }
    return producer;
  }

  private WebServer startListener() {
    var webConfig = WebServer.builder()
        .host(c.host())
        .port(c.port())
        .shutdownGracePeriod(Duration.ofSeconds(10))
        .routing(api::routing)
        .directHandlers(HttpApi.directHandlers())
        .contentEncoding(HttpApi.contentEncoding());
    guard.configure(webConfig);
    WebServer started = webConfig.build().start();
    closer.onClose(started::stop);
    if (started.port() < 0) {
      throw ListenAddress.notListening(c.host(), c.port());
    }
    return started;
  }
}
