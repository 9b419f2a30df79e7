package dev.assay.server.safety;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.alerts.AlertType;
import dev.assay.server.alerts.Alerts;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.ExperimentStatus;
import dev.assay.server.domain.model.Phase;
import dev.assay.server.domain.model.Versioned;
import dev.assay.server.events.EventStore;
import dev.assay.server.events.EventSummary;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Raises {@link AlertType#EXPERIMENT_EXPOSURE_ANOMALY} (ADR 0033): once per complete UTC hour, on the one
 * replica holding the job lease {@code alert-watch-exposures}, the exposures of every running
 * experiment in that hour are judged by {@link ExposureAnomaly} against its trailing hours of the
 * current phase (read from the event store's summary, one query per hour and project). Raised once
 * per experiment and hour.
 */
public final class ExposureWatch implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ExposureWatch.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long HOUR = Duration.ofHours(1).toMillis();

  private final ConfigService config;
  private final EventStore events;
  private final Alerts alerts;
  private final Clock clock;
  private final Duration tick;
  private volatile long judgedHour = Long.MIN_VALUE;
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "assay-exposure-watch");
    t.setDaemon(true);
    return t;
  });

  /** Starts the watch thread, which looks every {@code tick} whether a new hour is complete. */
  public ExposureWatch(ConfigService config, EventStore events, Alerts alerts, Clock clock, Duration tick) {
    this.config = config;
    this.events = events;
    this.alerts = alerts;
    this.clock = clock;
    this.tick = tick;
    long millis = Math.max(1, tick.toMillis());
    executor.scheduleWithFixedDelay(this::runOnce, millis, millis, TimeUnit.MILLISECONDS);
  }

  private void runOnce() {
    try {
      long hourEnd = Math.floorDiv(clock.millis(), HOUR) * HOUR;
      if (hourEnd != judgedHour && config.runOncePerInterval("alert-watch-exposures", tick, () -> judge(hourEnd))) {
        judgedHour = hourEnd;
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "exposure watch pass failed: " + e.getMessage(), e);
    }
  }

  /** Judges the hour ending at {@code hourEnd} (epoch ms, a whole hour) for every running experiment. */
  public void judge(long hourEnd) {
    for (String project : config.projectKeys()) {
      List<Versioned<Experiment>> running = config.experiments(project).stream()
          .filter(v -> v.value().status() == ExperimentStatus.RUNNING && !v.value().phases().isEmpty()).toList();
      if (running.isEmpty()) {
        continue;
      }
      Map<Long, Map<String, Long>> hours = new HashMap<>();
      for (Versioned<Experiment> v : running) {
        Experiment e = v.value();
        Phase phase = e.phases().get(e.phases().size() - 1);
        int n = (int) Math.min(ExposureAnomaly.HISTORY, Math.floorDiv(hourEnd - HOUR - phase.startedAt(), HOUR));
        if (n < ExposureAnomaly.MIN_HISTORY) {
          continue;
        }
        long[] history = new long[n];
        for (int i = 0; i < n; i++) {
          long start = hourEnd - HOUR * (n + 1 - i);
          history[i] = exposures(project, hours, start).getOrDefault(e.key(), 0L);
        }
        long count = exposures(project, hours, hourEnd - HOUR).getOrDefault(e.key(), 0L);
        ExposureAnomaly.judge(history, count).ifPresent(a -> raise(project, e, hourEnd, a));
      }
    }
  }

  private Map<String, Long> exposures(String project, Map<Long, Map<String, Long>> cache, long start) {
    return cache.computeIfAbsent(start, s -> {
      EventSummary summary = events.summary(EventStore.Scope.project(project), s, s + HOUR, 0);
      Map<String, Long> byExperiment = new HashMap<>();
      summary.byExperiment().forEach(c -> byExperiment.merge(c.experimentKey(), c.exposures(), Long::sum));
      return byExperiment;
    });
  }

  private void raise(String project, Experiment e, long hourEnd, ExposureAnomaly.Anomaly a) {
    String hour = Instant.ofEpochMilli(hourEnd - HOUR).toString();
    ObjectNode body = JSON.createObjectNode().put("experiment", e.key()).put("kind", a.kind()).put("hourStart", hour)
        .put("exposures", a.count()).put("median", a.median()).put("spread", a.spread()).put("lower", a.lower())
        .put("upper", a.upper()).put("historyHours", a.historyHours());
    alerts.emitOnce(project, AlertType.EXPERIMENT_EXPOSURE_ANOMALY, "exposure-anomaly/" + e.key() + "/" + hour,
        String.format(Locale.ROOT, "experiment '%s': exposures %s in the hour from %s: %d against a median of %.0f"
            + " (expected %.0f to %.0f)", e.key(), a.kind(), hour, a.count(), a.median(), Math.max(0, a.lower()),
            a.upper()), body);
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
