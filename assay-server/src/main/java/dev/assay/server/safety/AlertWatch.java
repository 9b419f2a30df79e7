package dev.assay.server.safety;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.alerts.AlertType;
import dev.assay.server.alerts.Alerts;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.ExperimentStatus;
import dev.assay.server.domain.model.Phase;
import dev.assay.server.domain.model.ProjectConfig;
import dev.assay.server.domain.model.Versioned;
import dev.assay.server.store.Kind;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Alerts raised from the configuration by time rather than by a write: {@link
 * AlertType#EXPERIMENT_MINIMUM_RUNTIME} (every tick) and {@link AlertType#FLAG_STALE} (once per
 * UTC day). Each pass runs on the one replica holding its job lease (ADR 0029) and raises with
 * {@link Alerts#emitOnce}, so a condition is raised once even when a lease moves between replicas.
 */
public final class AlertWatch implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(AlertWatch.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Flags unchanged this many days (and serving one value) are stale, unless configured otherwise. */
  public static final int DEFAULT_STALE_DAYS = 30;

  private final ConfigService config;
  private final Alerts alerts;
  private final Clock clock;
  private final Duration tick;
  private final int staleDays;
  private volatile Optional<LocalDate> staleCheckedOn = Optional.empty();
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "assay-alert-watch");
    t.setDaemon(true);
    return t;
  });

  /** Starts the watch thread, which looks every {@code tick}. */
  public AlertWatch(ConfigService config, Alerts alerts, Clock clock, Duration tick, int staleDays) {
    this.config = config;
    this.alerts = alerts;
    this.clock = clock;
    this.tick = tick;
    this.staleDays = staleDays;
    long millis = Math.max(1, tick.toMillis());
    executor.scheduleWithFixedDelay(this::runOnce, millis, millis, TimeUnit.MILLISECONDS);
  }

  void runOnce() {
    try {
      config.runOncePerInterval("alert-watch-runtime", tick, this::minimumRuntimes);
      LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
      if (staleCheckedOn.filter(today::equals).isEmpty()
          && config.runOncePerInterval("alert-watch-stale-flags", tick, this::staleFlags)) {
        staleCheckedOn = Optional.of(today);
      }
    } catch (RuntimeException e) {
      // Nothing may escape: an exception out of a scheduled task cancels every later round.
      LOG.log(Level.WARNING, "alert watch pass failed: " + e.getMessage(), e);
    }
  }

  /** Raises the minimum-runtime alert of every running experiment whose current phase is old enough. */
  void minimumRuntimes() {
    long now = clock.millis();
    for (String project : config.projectKeys()) {
      for (Versioned<Experiment> v : config.experiments(project)) {
        Experiment e = v.value();
        if (e.status() != ExperimentStatus.RUNNING || e.minimumRuntimeDays().isEmpty() || e.phases().isEmpty()) {
          continue;
        }
        Phase phase = e.phases().get(e.phases().size() - 1);
        int days = e.minimumRuntimeDays().get();
        if (now - phase.startedAt() < Duration.ofDays(days).toMillis()) {
          continue;
        }
        ObjectNode body = JSON.createObjectNode().put("experiment", e.key()).put("phase", phase.number())
            .put("minimumRuntimeDays", days).put("phaseStartedAt", Instant.ofEpochMilli(phase.startedAt()).toString());
        alerts.emitOnce(project, AlertType.EXPERIMENT_MINIMUM_RUNTIME, "minimum-runtime/" + e.key() + "/"
            + phase.number(), "experiment '" + e.key() + "' reached its minimum runtime of " + days + " days", body);
      }
    }
  }

  /** Raises the stale alert of every stale flag, once per flag and version (a change ends a staleness). */
  void staleFlags() {
    for (String project : config.projectKeys()) {
      for (StaleFlags.Stale s : stale(project, staleDays)) {
        ObjectNode body = JSON.createObjectNode().put("flag", s.key()).put("version", s.version())
            .put("updatedAt", s.updatedAt().toString()).put("daysUnchanged", s.daysUnchanged()).put("reason", s.reason());
        alerts.emitOnce(project, AlertType.FLAG_STALE, "flag-stale/" + s.key() + "/" + s.version(),
            "flag '" + s.key() + "' is stale: " + s.reason(), body);
      }
    }
  }

  /** The stale flags of a project by the rule of {@link StaleFlags}, in key order. */
  public List<StaleFlags.Stale> stale(String project, int days) {
    return stale(config, project, days, clock.instant());
  }

  /** The stale flags of a project at {@code now}. */
  public static List<StaleFlags.Stale> stale(ConfigService config, String project, int days, Instant now) {
    ProjectConfig pc = config.configuration(project);
    Map<String, ExperimentStatus> statuses = new HashMap<>();
    pc.experiments().forEach(v -> statuses.put(v.value().key(), v.value().status()));
    Set<String> envs = new LinkedHashSet<>();
    config.records(project, Set.of(Kind.ENVIRONMENT)).get(Kind.ENVIRONMENT).forEach(v -> envs.add(v.value().key()));
    return pc.flags().stream().map(f -> StaleFlags.judge(f, envs, statuses, now, days)).flatMap(Optional::stream)
        .sorted(java.util.Comparator.comparing(StaleFlags.Stale::key)).toList();
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
