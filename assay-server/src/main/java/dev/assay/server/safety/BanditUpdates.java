package dev.assay.server.safety;

import dev.assay.server.analysis.BanditStatistics;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.model.BanditPeriod;
import dev.assay.server.domain.model.BanditSettings;
import dev.assay.server.domain.model.Direction;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.ExperimentStatus;
import dev.assay.server.domain.model.ExperimentType;
import dev.assay.server.domain.model.Metric;
import dev.assay.server.domain.model.Phase;
import dev.assay.server.domain.model.Versioned;
import dev.assay.server.store.VersionConflictException;
import dev.assay.stats.BanditArm;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Moves the weights of running bandit experiments (docs/designs.md, ADR 0034). Every tick, on the
 * one replica holding the {@value #JOB} lease (ADR 0029), each running bandit whose latest period
 * is {@code bandit.updateIntervalSeconds} old is re-weighted by {@link BanditPolicy} from its
 * primary metric per period; the new weights become a new {@link BanditPeriod} of the current
 * phase, written conditionally at the version read (so a concurrent edit wins and the update is
 * retried next tick), audited as {@code bandit_update} under {@value #ACTOR}, recompiled and
 * pushed to SDKs. The hash seed is unchanged, so with sticky bucketing a unit keeps its arm.
 */
public final class BanditUpdates implements AutoCloseable {
  /** The lease name. */
  public static final String JOB = "bandit-updates";
  /** The actor of the audit entries. */
  public static final String ACTOR = "bandit-updates";
  private static final Logger LOG = Logger.getLogger(BanditUpdates.class.getName());

  private final ConfigService config;
  private final BanditStatistics statistics;
  private final Clock clock;
  private final Duration tick;
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "assay-bandit-updates");
    t.setDaemon(true);
    return t;
  });

  public BanditUpdates(ConfigService config, BanditStatistics statistics, Clock clock, Duration tick) {
    this.config = config;
    this.statistics = statistics;
    this.clock = clock;
    this.tick = tick;
    executor.scheduleWithFixedDelay(this::runOnce, tick.toMillis(), tick.toMillis(), TimeUnit.MILLISECONDS);
  }

  void runOnce() {
    try {
      config.runOncePerInterval(JOB, tick, this::updateAll);
    } catch (RuntimeException | Error e) {
      LOG.log(Level.WARNING, "bandit update round failed: " + e.getMessage(), e);
    }
  }

  private void updateAll() {
    for (String project : config.projectKeys()) {
      for (Versioned<Experiment> exp : config.experiments(project)) {
        Experiment e = exp.value();
        if (e.type() != ExperimentType.BANDIT || e.status() != ExperimentStatus.RUNNING
            || e.currentPhase().isEmpty() || e.metrics().primary().isEmpty()) {
          continue;
        }
        try {
          update(project, exp);
        } catch (RuntimeException | SQLException ex) {
          LOG.log(Level.WARNING, "bandit update of " + project + "/" + e.key() + " failed: " + ex.getMessage());
        }
      }
    }
  }

  /** Updates one bandit if it is due; returns the new period, if one was written. */
  Optional<BanditPeriod> update(String project, Versioned<Experiment> exp) throws SQLException {
    Experiment e = exp.value();
    BanditSettings s = e.bandit().orElse(BanditSettings.DEFAULTS);
    Phase phase = e.currentPhase().orElseThrow();
    List<Long> starts = BanditStatistics.periodStarts(phase);
    long now = clock.millis();
    if (now - starts.get(starts.size() - 1) < s.updateIntervalSeconds() * 1000) {
      return Optional.empty();
    }
    Metric metric = config.metric(project, e.metrics().primary().orElseThrow());
    List<List<BanditArm>> periods = statistics.periodArms(project, e, metric);
    int number = phase.periods().size() + 1;
    SplittableRandom random = new SplittableRandom((phase.seed() + "#" + number).hashCode());
    Optional<BanditPolicy.Update> u = BanditPolicy.next(s, phase.currentWeights(), periods,
        metric.direction() == Direction.INCREASE, random);
    if (u.isEmpty()) {
      return Optional.empty();
    }
    BanditPeriod period = new BanditPeriod(number, now, u.get().weights(), u.get().probabilityBest(),
        u.get().units(), u.get().means());
    try {
      return config.banditPeriod(project, e.key(), exp.version(), period, ACTOR).map(x -> period);
    } catch (VersionConflictException lost) {
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
