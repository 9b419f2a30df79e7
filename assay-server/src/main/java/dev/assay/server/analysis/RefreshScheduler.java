package dev.assay.server.analysis;

import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.ExperimentStatus;
import dev.assay.server.domain.model.Versioned;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Refreshes the results of every running experiment, and of every holdout that names metrics,
 * periodically, one at a time on one daemon thread, so results over time accumulate as snapshots without anyone asking. With several
 * replicas on PostgreSQL, the replica holding the store lease on the job runs the rounds and the
 * others skip them (ADR 0029); an advisory lock keeps rounds from overlapping. A failing
 * refresh is logged and retried at the next round; it never stops the others.
 */
public final class RefreshScheduler implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(RefreshScheduler.class.getName());

  private final ConfigService config;
  private final ExperimentRefresh refresh;
  private final Duration interval;
  private final Counter rounds;
  private final Timer succeeded;
  private final Timer failed;
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "assay-analysis-refresh");
    t.setDaemon(true);
    return t;
  });

  public RefreshScheduler(ConfigService config, ExperimentRefresh refresh, Duration interval, MeterRegistry meters) {
    this.config = config;
    this.refresh = refresh;
    this.interval = interval;
    this.rounds = Counter.builder("assay.analysis.scheduled.rounds")
        .description("Scheduled refresh rounds this replica ran (the one holding the lease)").register(meters);
    this.succeeded = refreshes(meters, "success");
    this.failed = refreshes(meters, "failure");
    long millis = interval.toMillis();
    executor.scheduleWithFixedDelay(this::runOnce, millis, millis, TimeUnit.MILLISECONDS);
  }

  private static Timer refreshes(MeterRegistry meters, String outcome) {
    return Timer.builder("assay.analysis.refresh").tag("outcome", outcome)
        .description("Scheduled refreshes of one experiment's results, by outcome").register(meters);
  }

  /** One round over all running experiments, unless another replica is doing this round. */
  void runOnce() {
    try {
      if (config.runOncePerInterval("analysis-refresh", interval, this::refreshAll)) {
        rounds.increment();
      } else {
        LOG.log(Level.FINE, "another replica holds the refresh lease; skipping this round");
      }
    } catch (RuntimeException | Error e) {
      // Nothing may escape: an exception out of a scheduled task cancels every later round.
      LOG.log(Level.WARNING, "scheduled refresh round failed: " + e.getMessage(), e);
    }
  }

  private void refreshAll() {
    for (String project : config.projectKeys()) {
      for (Versioned<Experiment> exp : config.experiments(project)) {
        if (exp.value().status() != ExperimentStatus.RUNNING) {
          continue;
        }
        String key = exp.value().key();
        long t0 = System.nanoTime();
        try {
          refresh.refresh(project, key, step -> LOG.log(Level.FINE, () -> project + "/" + key + ": " + step));
          succeeded.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        } catch (RuntimeException | Error e) {
          failed.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
          // One experiment's failure (bad data, a broken metric) never stops the others' refreshes.
          LOG.log(Level.WARNING, "scheduled refresh of " + project + "/" + key + " failed: " + e.getMessage());
        }
      }
      for (String key : refresh.holdouts().analysable(project)) {
        try {
          refresh.holdouts().refresh(project, key);
        } catch (RuntimeException | Error e) {
          LOG.log(Level.WARNING, "scheduled refresh of holdout " + project + "/" + key + " failed: " + e.getMessage());
        }
      }
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
