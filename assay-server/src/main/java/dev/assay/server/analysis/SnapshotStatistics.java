package dev.assay.server.analysis;

import dev.assay.server.analysis.AnalysisSnapshot.Health;
import dev.assay.server.analysis.AnalysisSnapshot.QuantileRow;
import dev.assay.server.analysis.AnalysisSnapshot.Result;
import dev.assay.server.analysis.AnalysisSnapshot.RunningState;
import dev.assay.server.analysis.AnalysisSnapshot.Settings;
import dev.assay.server.analysis.AnalysisSnapshot.UnitCount;
import dev.assay.server.analysis.WarehouseQuery.Measurements;
import dev.assay.stats.AlwaysValidState;
import dev.assay.stats.AnalysisSettings;
import dev.assay.stats.ExperimentAnalysis;
import dev.assay.stats.QuantileComparison;
import dev.assay.stats.QuantileStats;
import dev.assay.stats.SequentialSampleRatioTest;
import dev.assay.stats.StatsException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The statistics step of a refresh (pure): from the warehouse's sufficient statistics and the
 * previous snapshot of the phase, the results of {@code assay-stats}, the health checks (sample
 * ratio by χ² and sequentially, multiple exposures, too-small samples, progress to the planned
 * size), quantile comparisons and breakdowns, as an {@link AnalysisSnapshot}.
 */
final class SnapshotStatistics {
  private SnapshotStatistics() {}

  /**
   * @param previous the latest stored snapshot of the experiment, if any (used only when it is of
   *     the same phase: its running states when it had the same settings, its sequential SRM p)
   */
  static AnalysisSnapshot compute(AnalysisPlan plan, Measurements m, Optional<AnalysisSnapshot> previous,
      Instant now, int minCellUnits) {
    AnalysisSettings settings = plan.settings();
    Settings used = SnapshotJson.settings(settings);
    Optional<AnalysisSnapshot> samePhase = previous.filter(p -> p.phase() == plan.phase());
    // Carry the running intersection and running minimum p-value over the refreshes of this
    // phase (ADR 0011), so repeated looks — and the guardrail monitor's decisions — stay valid.
    Map<ExperimentAnalysis.Key, AlwaysValidState> running = settings.sequential()
        ? samePhase.filter(p -> p.settings().equals(used)).map(SnapshotStatistics::runningStates).orElse(Map.of())
        : Map.of();
    ExperimentAnalysis analysis = ExperimentAnalysis.analyze(plan.variants(), m.counts().units(), plan.weights(),
        m.data(), settings, running);
    double sequentialSrm = sequentialSrm(m.counts().units(), plan.weights(), samePhase);
    List<Result> results = analysis.results().stream().map(SnapshotJson::result).toList();
    List<RunningState> states = new ArrayList<>();
    analysis.runningStates().forEach((k, st) -> states.add(new RunningState(k.metric(), k.variant(), st.looks(),
        st.pValue(), st.ciLower(), st.ciUpper())));
    return new AnalysisSnapshot(plan.experimentKey(), plan.phase(), now, Instant.ofEpochMilli(plan.start()),
        plan.end() < AnalysisPlan.OPEN_END ? Optional.of(Instant.ofEpochMilli(plan.end())) : Optional.empty(),
        used, health(plan, m, analysis, sequentialSrm, samePhase, now), m.sufficient(), results,
        quantiles(plan, m.quantiles()), Breakdowns.of(plan, m, settings, minCellUnits), states,
        design(plan, m.design(), results));
  }

  /* The design section: clusters per variation, and the triggered share with the diluted effects. */
  private static DesignResults design(AnalysisPlan plan, WarehouseQuery.DesignCounts counts, List<Result> results) {
    AnalysisPlan.Design d = plan.design();
    Optional<DesignResults.Cluster> cluster = counts.clusters().map(k -> {
      List<DesignResults.ClusterCount> rows = new ArrayList<>();
      for (int v = 0; v < plan.variants().size(); v++) {
        rows.add(new DesignResults.ClusterCount(plan.variants().get(v), k[v], counts.units()[v]));
      }
      return new DesignResults.Cluster(d.unit().orElseThrow(), d.clusterAttribute().orElseThrow(), rows);
    });
    Optional<DesignResults.Trigger> trigger = counts.exposed().map(all -> {
      long exposed = Arrays.stream(all).sum();
      long triggered = Arrays.stream(counts.units()).sum();
      double r = exposed == 0 ? Double.NaN : (double) triggered / exposed;
      List<DesignResults.Diluted> diluted = new ArrayList<>();
      for (Result res : results) {
        diluted.add(new DesignResults.Diluted(res.metric(), res.variant(), times(res.effect(), r),
            times(res.ciLower(), r), times(res.ciUpper(), r)));
      }
      return new DesignResults.Trigger(d.trigger().orElseThrow(), exposed, triggered, r, diluted);
    });
    Optional<DesignResults.Stratification> strata = d.stratify().map(a -> new DesignResults.Stratification(a,
        stratified(plan, counts.strata())));
    return new DesignResults(cluster, trigger, strata);
  }

  /* Per metric and treatment variant, the post-stratified estimate over the attribute's levels. */
  private static List<DesignResults.Stratified> stratified(AnalysisPlan plan,
      Map<String, java.util.SortedMap<String, List<dev.assay.stats.CupedStats>>> strata) {
    List<DesignResults.Stratified> out = new ArrayList<>();
    strata.forEach((metric, levels) -> {
      for (int v = 1; v < plan.variants().size(); v++) {
        List<dev.assay.stats.SampleStats> c = new ArrayList<>();
        List<dev.assay.stats.SampleStats> t = new ArrayList<>();
        for (List<dev.assay.stats.CupedStats> level : levels.values()) {
          c.add(sample(level.get(0)));
          t.add(sample(level.get(v)));
        }
        dev.assay.stats.PostStratification ps = dev.assay.stats.PostStratification.of(c, t, plan.settings().alpha());
        out.add(new DesignResults.Stratified(metric, plan.variants().get(v), SnapshotJson.finite(ps.effect()),
            SnapshotJson.finite(ps.se()), SnapshotJson.finite(ps.ciLower()), SnapshotJson.finite(ps.ciUpper()),
            SnapshotJson.finite(ps.pValue()), SnapshotJson.finite(ps.unadjustedSe()),
            SnapshotJson.finite(ps.varianceReduction()), ps.strata(), ps.droppedShare()));
      }
    });
    return out;
  }

  private static dev.assay.stats.SampleStats sample(dev.assay.stats.CupedStats s) {
    return s.n() == 0 ? new dev.assay.stats.SampleStats(0, 0, Double.NaN)
        : dev.assay.stats.SampleStats.fromSums(s.n(), s.sumY(), s.sumY2());
  }

  private static OptionalDouble times(OptionalDouble x, double r) {
    return x.isPresent() && Double.isFinite(r) && Double.isFinite(x.getAsDouble() * r)
        ? OptionalDouble.of(x.getAsDouble() * r) : OptionalDouble.empty();
  }

  private static Map<ExperimentAnalysis.Key, AlwaysValidState> runningStates(AnalysisSnapshot previous) {
    Map<ExperimentAnalysis.Key, AlwaysValidState> out = new LinkedHashMap<>();
    for (RunningState st : previous.runningStates()) {
      try {
        out.put(new ExperimentAnalysis.Key(st.metric(), st.variant()),
            new AlwaysValidState(st.looks(), st.pValue(), st.ciLower(), st.ciUpper()));
      } catch (StatsException e) {
        // a damaged entry only restarts that metric's sequence
      }
    }
    return out;
  }

  /*
   * The sequential SRM test (Lindon & Malek 2022, SequentialSampleRatioTest) has a Bayes factor
   * that depends on the cumulative counts only, so each refresh evaluates it at the current
   * totals and keeps the running minimum of 1/BF over the refreshes of this phase: the p-value
   * stays valid however often the scheduler looks.
   */
  private static double sequentialSrm(long[] units, double[] weights, Optional<AnalysisSnapshot> samePhase) {
    double p;
    try {
      p = SequentialSampleRatioTest.start(weights, SequentialSampleRatioTest.DEFAULT_CONCENTRATION).next(units).pValue();
    } catch (StatsException e) {
      return 1.0;
    }
    double previous = samePhase.map(s -> s.health().srmSequentialPValue()).orElse(Double.NaN);
    return Double.isNaN(previous) ? p : Math.min(p, previous);
  }

  private static Health health(AnalysisPlan plan, Measurements m, ExperimentAnalysis analysis, double sequentialSrm,
      Optional<AnalysisSnapshot> samePhase, Instant now) {
    long[] counts = m.counts().units();
    long total = Arrays.stream(counts).sum();
    double weightSum = Arrays.stream(plan.weights()).sum();
    List<UnitCount> units = new ArrayList<>();
    for (int v = 0; v < plan.variants().size(); v++) {
      units.add(new UnitCount(plan.variants().get(v), counts[v], total == 0 ? 0 : (double) counts[v] / total,
          weightSum > 0 ? plan.weights()[v] / weightSum : 0));
    }
    boolean srm = analysis.srm().flagged() || sequentialSrm < analysis.srm().threshold();
    long multiple = m.counts().multipleExposures();
    long smallest = Arrays.stream(counts).min().orElse(0);
    long planned = plan.settings().plannedUnits();
    List<String> warnings = new ArrayList<>();
    if (srm) {
      warnings.add(String.format(Locale.ROOT, "sample ratio mismatch (χ² p = %.3g, sequential p = %.3g):"
          + " do not trust these results", analysis.srm().pValue(), sequentialSrm));
    }
    if (planned > 0 && total >= planned) {
      warnings.add("the planned sample of " + planned + " units is reached");
    }
    if (smallest < plan.minimumSample()) {
      warnings.add("fewer than " + plan.minimumSample() + " units in a variation: results are not shown as final");
    }
    double multipleRate = rate(multiple, Arrays.stream(m.design().units()).sum());
    Optional<String> goalEvent = plan.metrics().stream()
        .filter(pm -> pm.role() == dev.assay.stats.MetricData.Role.GOAL && pm.ratio().isEmpty())
        .map(pm -> pm.query(false)).filter(q -> q.sqlSource() == null).map(MetricQueries.Metric::eventName).findFirst();
    AnalysisSnapshot.DataQuality quality = DataQualityChecks.of(m.quality(), multipleRate, goalEvent, plan.start(),
        now.toEpochMilli(), samePhase.map(s -> s.health().dataQuality().exposureEvents()).orElse(-1L));
    quality.checks().stream().filter(q -> !q.status().equals("ok"))
        .forEach(q -> warnings.add("data quality: " + q.check() + " " + q.status() + ": " + q.message()));
    return new Health(units, analysis.srm().pValue(), sequentialSrm, srm, multiple, multipleRate,
        smallest < plan.minimumSample(),
        planned > 0 ? OptionalDouble.of(Math.min(1.0, (double) total / planned)) : OptionalDouble.empty(), warnings,
        quality);
  }

  /* The share of units excluded for seeing several variations, among units (not clusters). */
  private static double rate(long multiple, long units) {
    return units + multiple == 0 ? 0 : (double) multiple / (units + multiple);
  }

  private static List<QuantileRow> quantiles(AnalysisPlan plan, Map<String, List<QuantileStats>> quantiles) {
    List<QuantileRow> out = new ArrayList<>();
    List<String> variants = plan.variants();
    for (Map.Entry<String, List<QuantileStats>> e : quantiles.entrySet()) {
      QuantileStats control = e.getValue().get(0);
      for (int v = 1; v < variants.size(); v++) {
        QuantileStats t = e.getValue().get(v);
        String method = "quantile_outer_ci_clustered";
        OptionalDouble none = OptionalDouble.empty();
        if (control == null || t == null) {
          out.add(new QuantileRow(e.getKey(), variants.get(v), method, none, none, none, none, none, none, none,
              none, none, none, Optional.of("no observations in " + (control == null ? "control" : variants.get(v)))));
          continue;
        }
        QuantileComparison qc = QuantileComparison.of(control, t);
        var d = qc.difference();
        var l = qc.lift();
        out.add(new QuantileRow(e.getKey(), variants.get(v), method, OptionalDouble.of(qc.level()),
            qc.control().isPresent() ? OptionalDouble.of(control.estimate()) : none,
            qc.treatment().isPresent() ? OptionalDouble.of(t.estimate()) : none,
            d.map(x -> OptionalDouble.of(x.estimate())).orElse(none), d.map(x -> OptionalDouble.of(x.ciLower())).orElse(none),
            d.map(x -> OptionalDouble.of(x.ciUpper())).orElse(none), d.map(x -> OptionalDouble.of(x.pValue())).orElse(none),
            l.map(x -> OptionalDouble.of(x.estimate())).orElse(none), l.map(x -> OptionalDouble.of(x.ciLower())).orElse(none),
            l.map(x -> OptionalDouble.of(x.ciUpper())).orElse(none),
            qc.missing().filter(r -> !r.isEmpty())));
      }
    }
    return out;
  }
}
