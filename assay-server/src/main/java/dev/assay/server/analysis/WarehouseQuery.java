package dev.assay.server.analysis;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.analysis.AnalysisPlan.PlannedMetric;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.MetricType;
import dev.assay.stats.CupedStats;
import dev.assay.stats.MetricData;
import dev.assay.stats.QuantileStats;
import dev.assay.stats.RatioStats;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The refresh's only I/O: runs a plan's warehouse queries on a read-only transaction that is
 * always rolled back, and returns the per-variation sufficient statistics. A metric's SQL is
 * checked again before it runs; a failure names the metric being computed.
 */
final class WarehouseQuery {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ExperimentRefresh.Warehouse warehouse;
  private final WarehouseStatistics statistics;

  WarehouseQuery(ExperimentRefresh.Warehouse warehouse, WarehouseStatistics statistics) {
    this.warehouse = warehouse;
    this.statistics = statistics;
  }

  /**
   * What the warehouse returned for a plan.
   *
   * @param byDimension per "dimension NUL metric", the statistics per level
   * @param quantiles per quantile metric, the order statistics per variation (null where none)
   * @param sufficient per metric, the sufficient statistics as stored in the snapshot
   */
  record Measurements(WarehouseStatistics.ExposureCounts counts, List<MetricData> data,
      Map<String, Map<String, List<CupedStats>>> byDimension, Map<String, List<QuantileStats>> quantiles,
      ObjectNode sufficient, DesignCounts design) {}

  /**
   * The unit counts of a clustered or triggered design (ADR 0039).
   *
   * @param units analysis units per variation (those counted: triggered ones, when triggered)
   * @param clusters clusters per variation, when clustered (then {@code counts} holds these)
   * @param exposed every exposed unit per variation, triggered or not, when triggered
   * @param strata per metric, per level of the stratification attribute, the per-variation statistics
   */
  record DesignCounts(long[] units, java.util.Optional<long[]> clusters, java.util.Optional<long[]> exposed,
      Map<String, java.util.SortedMap<String, List<CupedStats>>> strata) {}

  Measurements measure(AnalysisPlan plan, Consumer<String> progress) {
    return measure(plan, progress, RefreshSpans.NONE);
  }

  /** As above, with a span per query stage. */
  Measurements measure(AnalysisPlan plan, Consumer<String> progress, RefreshSpans spans) {
    String[] current = {"exposure counts"};
    try (Connection c = warehouse.connect()) {
      boolean autoCommit = c.getAutoCommit();
      // A read-only transaction, always rolled back: a metric's SQL cannot change the warehouse.
      c.setAutoCommit(false);
      try {
        c.setReadOnly(true);
      } catch (SQLException e) {
        // DuckDB cannot switch an open connection; the rollback below still discards any change
      }
      try {
        return measure(c, plan, progress, current, spans);
      } finally {
        c.rollback();
        try {
          c.setReadOnly(false);
        } catch (SQLException e) {
          // as above
        }
        c.setAutoCommit(autoCommit);
      }
    } catch (SQLException e) {
      throw AnalysisSandbox.failure(e, current[0], statistics.timeout());
    } catch (IllegalArgumentException e) {
      throw new DomainException(DomainException.Category.UNPROCESSABLE, "invalid_metric",
          current[0] + " cannot be computed: " + e.getMessage(), List.of());
    }
  }

  private Measurements measure(Connection c, AnalysisPlan plan, Consumer<String> progress, String[] current,
      RefreshSpans spans) throws SQLException {
    MetricQueries.Phase p = plan.window();
    int variations = plan.variants().size();
    progress.accept("counting exposures");
    AnalysisPlan.Design design = plan.design();
    Exposed counted = exposures(c, p, design, variations, spans);
    WarehouseStatistics.ExposureCounts units = counted.units();
    java.util.Optional<long[]> clusters = counted.clusters();
    java.util.Optional<long[]> exposed = counted.exposed();
    // A cluster randomization's sample-ratio test counts what was randomized: clusters.
    WarehouseStatistics.ExposureCounts counts = clusters.map(k -> new WarehouseStatistics.ExposureCounts(k,
        units.multipleExposures())).orElse(units);
    List<MetricData> data = new ArrayList<>();
    Map<String, Map<String, List<CupedStats>>> byDimension = new LinkedHashMap<>();
    Map<String, List<QuantileStats>> quantiles = new LinkedHashMap<>();
    ObjectNode sufficient = JSON.createObjectNode();
    Map<String, List<CupedStats>> onePass = null;
    Map<String, java.util.SortedMap<String, List<CupedStats>>> strata = new LinkedHashMap<>();
    int step = 0;
    for (PlannedMetric m : plan.metrics()) {
      step++;
      current[0] = "metric '" + m.key() + "'";
      progress.accept("metric " + step + "/" + plan.metrics().size() + ": " + m.key());
      io.opentelemetry.api.trace.Span metricSpan = spans.start("metric", m.key());
      try (io.opentelemetry.context.Scope ignored = metricSpan.makeCurrent()) {
        MetricType type = m.metric().type();
        if (type == MetricType.QUANTILE && !design.clustered()) {
          quantiles.put(m.key(), statistics.quantile(c, p, m.query(false), m.metric().quantile().orElseThrow(),
              plan.settings().alpha(), variations));
          continue;
        }
        Double margin = m.margin().orElse(null);
        if (design.clustered()) {
          List<RatioStats> stats = clustered(c, p, m, variations);
          sufficient.set(m.key(), JSON.valueToTree(stats));
          data.add(new MetricData(m.key(), MetricData.Type.RATIO, m.higherIsBetter(), m.role(), null, stats, margin));
          continue;
        }
        if (m.ratio().isPresent()) {
          AnalysisPlan.Ratio r = m.ratio().get();
          List<RatioStats> stats = statistics.ratio(c, p, AnalysisPlan.query(r.numerator(), false),
              AnalysisPlan.query(r.denominator(), false), variations);
          sufficient.set(m.key(), JSON.valueToTree(stats));
          data.add(new MetricData(m.key(), MetricData.Type.RATIO, m.higherIsBetter(), m.role(), null, stats, margin));
          continue;
        }
        if (onePass == null) {
          onePass = onePass(c, p, plan.metrics(), variations);
        }
        List<CupedStats> s = onePass.containsKey(m.key()) ? onePass.get(m.key())
            : statistics.metric(c, p, m.query(true), variations);
        sufficient.set(m.key(), JSON.valueToTree(s));
        if (design.stratify().isPresent()) {
          strata.put(m.key(), statistics.metricByDimension(c, p, m.query(false), design.stratify().get(), variations));
        }
        for (String dim : plan.dimensions()) {
          current[0] = "metric '" + m.key() + "' by " + dim;
          progress.accept("metric " + m.key() + " by " + dim);
          byDimension.computeIfAbsent(dim + "\u0000" + m.key(), k -> new LinkedHashMap<>())
              .putAll(statistics.metricByDimension(c, p, m.query(true), dim, variations));
        }
        data.add(new MetricData(m.key(), type == MetricType.PROPORTION ? MetricData.Type.PROPORTION
            : MetricData.Type.MEAN, m.higherIsBetter(), m.role(), s, null, margin));
      } catch (SQLException | RuntimeException e) {
        RefreshSpans.failed(metricSpan, e);
        throw e;
      } finally {
        metricSpan.end();
      }
    }
    return new Measurements(counts, data, byDimension, quantiles, sufficient,
        new DesignCounts(units.units(), clusters, exposed, strata));
  }

  private record Exposed(WarehouseStatistics.ExposureCounts units, java.util.Optional<long[]> clusters,
      java.util.Optional<long[]> exposed) {}

  /* The exposure stage: units per variation, and clusters or every exposed unit when the design asks. */
  private Exposed exposures(Connection c, MetricQueries.Phase p, AnalysisPlan.Design design, int variations,
      RefreshSpans spans) throws SQLException {
    io.opentelemetry.api.trace.Span stage = spans.start("exposures", null);
    try (io.opentelemetry.context.Scope ignored = stage.makeCurrent()) {
      return new Exposed(statistics.exposures(c, p, variations), design.clustered()
          ? java.util.Optional.of(statistics.clusters(c, p, variations)) : java.util.Optional.empty(),
          design.trigger().isPresent()
              ? java.util.Optional.of(statistics.exposures(c, p.untriggered(), variations).units())
              : java.util.Optional.empty());
    } catch (SQLException | RuntimeException e) {
      RefreshSpans.failed(stage, e);
      throw e;
    } finally {
      stage.end();
    }
  }

  /*
   * A metric of a cluster randomization: the clusters' sums, analysed as a ratio by the delta
   * method at the randomization unit (DesignQueries). Breakdowns are not computed for clustered
   * experiments (their per-level sums would need the same treatment).
   */
  private List<RatioStats> clustered(Connection c, MetricQueries.Phase p, PlannedMetric m, int variations)
      throws SQLException {
    if (m.metric().type() == MetricType.QUANTILE) {
      throw new IllegalArgumentException("a quantile metric has no cluster analysis (remove analysis.unit or the metric)");
    }
    if (m.ratio().isPresent()) {
      AnalysisPlan.Ratio r = m.ratio().get();
      return statistics.clusterRatio(c, p, AnalysisPlan.query(r.numerator(), false),
          AnalysisPlan.query(r.denominator(), false), variations);
    }
    return statistics.clusterMetric(c, p, m.query(false), variations);
  }

  /**
   * The event-defined mean, proportion, count and sum metrics in one pass over the events (one
   * scan instead of one per metric); empty when fewer than two qualify.
   */
  private Map<String, List<CupedStats>> onePass(Connection c, MetricQueries.Phase p, List<PlannedMetric> metrics,
      int variations) throws SQLException {
    List<PlannedMetric> eligible = metrics.stream().filter(PlannedMetric::onePassEligible).toList();
    Map<String, List<CupedStats>> out = new LinkedHashMap<>();
    if (eligible.size() < 2) {
      return out;
    }
    List<List<CupedStats>> stats = statistics.metrics(c, p,
        eligible.stream().map(m -> m.query(true)).toList(), variations);
    for (int i = 0; i < eligible.size(); i++) {
      out.put(eligible.get(i).key(), stats.get(i));
    }
    return out;
  }
}
