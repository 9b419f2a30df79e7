package dev.assay.server.analysis;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.Analysis;
import dev.assay.server.domain.model.Direction;
import dev.assay.server.domain.model.Holdout;
import dev.assay.server.domain.model.Metric;
import dev.assay.server.domain.model.MetricType;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.domain.model.Versioned;
import dev.assay.server.store.Kind;
import dev.assay.stats.CupedStats;
import dev.assay.stats.MeanDifference;
import dev.assay.stats.RelativeLift;
import dev.assay.stats.SampleStats;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The analysis of holdouts (ADR 0037, docs/designs.md "Holdouts"): held-out versus general units
 * on the holdout's metrics, from the exposures of its tracking experiment {@code holdout:<key>}
 * since the holdout was created, with the same warehouse queries as an experiment's refresh
 * ({@link WarehouseStatistics}, one read-only connection per refresh, on the analysis executor).
 * Each refresh is stored as a snapshot under the tracking key; the results are the newest one and
 * the series of all stored ones (cumulative by refresh). Thread-safe.
 */
public final class HoldoutAnalysis {
  /** Refreshes kept in the plot-ready series. */
  static final int SERIES_POINTS = 200;

  private final ConfigService config;
  private final ExperimentRefresh.Warehouse warehouse;
  private final WarehouseStatistics statistics;
  private final AnalysisExecutor executor;
  private final Clock clock;

  HoldoutAnalysis(ConfigService config, ExperimentRefresh.Warehouse warehouse, WarehouseStatistics statistics,
      AnalysisExecutor executor, Clock clock) {
    this.config = config;
    this.warehouse = warehouse;
    this.statistics = statistics;
    this.executor = executor;
    this.clock = clock;
  }

  /** The keys of a project's holdouts that name metrics (those the periodic refresh analyses). */
  public List<String> analysable(String project) {
    return config.records(project, java.util.Set.of(Kind.HOLDOUT)).getOrDefault(Kind.HOLDOUT, List.of()).stream()
        .map(v -> (Holdout) v.value()).filter(h -> h.metrics().primary().isPresent()).map(Holdout::key).toList();
  }

  /**
   * Computes and stores a refresh; 404 for an unknown holdout, 409 {@code no_metrics} when it
   * names none, 429 when the analysis is at its limit of concurrent refreshes.
   *
   * @return the results view, as {@link #results} answers
   */
  public ObjectNode refresh(String project, String key) {
    Versioned<Holdout> h = holdout(project, key);
    if (h.value().metrics().primary().isEmpty()) {
      throw DomainException.conflict("no_metrics", "holdout '" + key + "' has no metrics to analyse: set "
          + "metrics.primary (and metrics.secondary)", List.of());
    }
    List<Metric> metrics = h.value().metrics().all().stream().distinct().map(m -> config.metric(project, m)).toList();
    HoldoutResults r = executor.admit(project).call(() -> compute(project, h, metrics));
    config.saveSnapshot(project, h.value().trackingKey(), 0, HoldoutJson.writeHoldout(r));
    return results(project, key);
  }

  /** The newest refresh with the series of all stored ones; 404 when there is none yet. */
  public ObjectNode results(String project, String key) {
    Holdout h = holdout(project, key).value();
    List<HoldoutResults> stored = config.snapshots(project, h.trackingKey(), SERIES_POINTS).stream()
        .map(HoldoutJson::readHoldout).toList();
    if (stored.isEmpty()) {
      throw DomainException.notFound("no results yet for holdout '" + key + "': POST /api/v1/holdouts/" + key
          + "/refresh");
    }
    return HoldoutJson.holdoutView(stored);
  }

  private Versioned<Holdout> holdout(String project, String key) {
    return ModelJson.versionedView(Holdout.class, config.get(Kind.HOLDOUT, project, key));
  }

  private HoldoutResults compute(String project, Versioned<Holdout> v, List<Metric> metrics) {
    Holdout h = v.value();
    MetricQueries.Phase window = new MetricQueries.Phase(h.trackingKey(), v.createdAt().toEpochMilli(),
        AnalysisPlan.OPEN_END, project);
    double alpha = Analysis.DEFAULT_ALPHA;
    try (Connection c = warehouse.connect()) {
      WarehouseStatistics.ExposureCounts counts = statistics.exposures(c, window, 2);
      List<HoldoutResults.Row> rows = new ArrayList<>();
      for (Metric m : metrics) {
        String role = h.metrics().primary().orElseThrow().equals(m.key()) ? "primary" : "secondary";
        boolean higherIsBetter = m.direction() != Direction.DECREASE;
        if (m.type() == MetricType.RATIO || m.type() == MetricType.QUANTILE) {
          rows.add(missing(m.key(), role, higherIsBetter, m.type().wire() + " metrics are not analysed in holdouts "
              + "(proportion, count, mean and sum metrics are)"));
          continue;
        }
        List<CupedStats> arms = statistics.metric(c, window, AnalysisPlan.query(m, false), 2);
        rows.add(row(m.key(), role, higherIsBetter, arms.get(0), arms.get(1), alpha));
      }
      return new HoldoutResults(h.key(), clock.instant(), v.createdAt(), h.fraction(), alpha, counts.units()[0],
          counts.units()[1], counts.multipleExposures(), rows);
    } catch (SQLException e) {
      throw new IllegalStateException("holdout " + h.key() + " could not be measured: " + e.getMessage(), e);
    }
  }

  /* Welch's t for the difference and the delta method for the lift (docs/statistics.md), b = general. */
  static HoldoutResults.Row row(String metric, String role, boolean higherIsBetter, CupedStats heldOut,
      CupedStats general, double alpha) {
    SampleStats a = SampleStats.fromSums(heldOut.n(), heldOut.sumY(), heldOut.sumY2());
    SampleStats b = SampleStats.fromSums(general.n(), general.sumY(), general.sumY2());
    if (a.n() < 2 || b.n() < 2) {
      HoldoutResults.Row m = missing(metric, role, higherIsBetter, "fewer than 2 units in an arm");
      return new HoldoutResults.Row(metric, role, higherIsBetter, a.n(), a.n() > 0 ? a.mean() : Double.NaN, b.n(),
          b.n() > 0 ? b.mean() : Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
          Double.NaN, m.missing());
    }
    MeanDifference d = MeanDifference.welch(a, b, alpha);
    Optional<String> why = d.missing();
    double lift = Double.NaN;
    double liftLower = Double.NaN;
    double liftUpper = Double.NaN;
    if (a.mean() != 0) {
      try {
        RelativeLift l = RelativeLift.compute(a, b, alpha);
        lift = l.lift();
        liftLower = l.ciLowerDeltaT();
        liftUpper = l.ciUpperDeltaT();
      } catch (dev.assay.stats.StatsException e) {
        // the lift stays undefined; the absolute effect is still reported
      }
    }
    return new HoldoutResults.Row(metric, role, higherIsBetter, a.n(), a.mean(), b.n(), b.mean(), d.diff(),
        d.ciLower(), d.ciUpper(), d.pValue(), lift, liftLower, liftUpper, why);
  }

  private static HoldoutResults.Row missing(String metric, String role, boolean higherIsBetter, String why) {
    double nan = Double.NaN;
    return new HoldoutResults.Row(metric, role, higherIsBetter, 0, nan, 0, nan, nan, nan, nan, nan, nan, nan, nan,
        Optional.of(why));
  }
}
