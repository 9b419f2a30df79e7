package dev.assay.server.analysis;

import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.MetricSql;
import dev.assay.server.domain.model.Analysis;
import dev.assay.server.domain.model.Direction;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.Guardrail;
import dev.assay.server.domain.model.Metric;
import dev.assay.server.domain.model.MetricType;
import dev.assay.server.domain.model.Phase;
import dev.assay.server.domain.model.Variant;
import dev.assay.stats.AnalysisSettings;
import dev.assay.stats.MetricData;
import dev.assay.stats.MultipleTesting;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * What one refresh computes, decided from the configuration alone (no I/O): the phase and its
 * time window, the variations and their weights, each metric with its role, direction, margin
 * and warehouse query, the breakdowns, and the statistics engine's settings.
 *
 * @param end the phase's end (epoch ms): the next phase's start, or practically never for the latest
 * @param latestPhase whether this is the experiment's current phase (the guardrail monitor acts only on it)
 * @param design the cluster randomization and trigger of the analysis, if any (ADR 0039)
 */
record AnalysisPlan(String project, String experimentKey, int phase, boolean latestPhase, long start, long end,
    List<String> variants, double[] weights, List<PlannedMetric> metrics, List<String> dimensions,
    AnalysisSettings settings, int minimumSample, Design design) {
  private static final long HOUR = 3_600_000L;
  /** The end of the latest phase: far in the future, without overflowing SQL arithmetic. */
  static final long OPEN_END = Long.MAX_VALUE / 4;

  /**
   * A metric of the refresh.
   *
   * @param margin the non-inferiority margin of a guardrail (its threshold), if any
   * @param ratio for a ratio metric, its numerator and denominator metrics
   */
  record PlannedMetric(String key, MetricData.Role role, Metric metric, boolean higherIsBetter,
      Optional<Double> margin, Optional<Ratio> ratio, Optional<double[]> clip) {
    PlannedMetric(String key, MetricData.Role role, Metric metric, boolean higherIsBetter, Optional<Double> margin,
        Optional<Ratio> ratio) {
      this(key, role, metric, higherIsBetter, margin, ratio, Optional.empty());
    }

    /** The query of an event or SQL metric, with the CUPED covariate when {@code withCovariate}. */
    MetricQueries.Metric query(boolean withCovariate) {
      MetricQueries.Metric q = AnalysisPlan.query(metric, withCovariate);
      // Clipped to [lo, hi] per unit (within the metric's own cap, if lower) for a DP export.
      return clip.map(c -> new MetricQueries.Metric(q.eventName(), q.aggregation(), q.windowMillis(), q.lookbackMillis(),
          q.absoluteCap() == null ? c[1] : Math.min(q.absoluteCap(), c[1]), q.percentileCap(), q.sqlSource(),
          q.valueProperty(), q.filters(), c[0])).orElse(q);
    }

    /** Whether the metric can share the one-pass scan of the events with other event metrics. */
    boolean onePassEligible() {
      return !metric.sqlDefined() && metric.type() != MetricType.RATIO && metric.type() != MetricType.QUANTILE;
    }
  }

  /** The numerator and denominator metrics of a ratio metric. */
  record Ratio(Metric numerator, Metric denominator) {}

  /**
   * How units are counted.
   *
   * @param unit the analysis unit's attribute when the experiment randomizes clusters of them
   * @param clusterAttribute the hash attribute naming the cluster, when clustered
   * @param trigger the trigger event, when the analysis is triggered
   * @param stratify the exposure attribute whose levels are the strata of a post-stratified estimate
   */
  record Design(Optional<String> unit, Optional<String> clusterAttribute, Optional<String> trigger,
      Optional<String> stratify) {
    static Design of(Experiment exp) {
      Optional<String> unit = exp.analysis().clusterUnit(exp.hashAttribute());
      return new Design(unit, unit.map(u -> exp.hashAttribute()), exp.analysis().trigger(),
          exp.analysis().stratify());
    }

    boolean clustered() {
      return clusterAttribute.isPresent();
    }
  }

  /** The metric keys an experiment analyses, with their roles (goal, secondaries, guardrails; first role wins). */
  static Map<String, MetricData.Role> roles(Experiment exp) {
    Map<String, MetricData.Role> roles = new LinkedHashMap<>();
    exp.metrics().primary().ifPresent(p -> roles.put(p, MetricData.Role.GOAL));
    exp.metrics().secondary().forEach(m -> roles.putIfAbsent(m, MetricData.Role.SECONDARY));
    exp.metrics().guardrails().forEach(g -> roles.putIfAbsent(g.metric(), MetricData.Role.GUARDRAIL));
    return roles;
  }

  /** The phase to analyse: {@code number}, or the latest for 0; a field error for another. */
  static Phase phase(Experiment exp, int number) {
    List<Phase> phases = exp.phases();
    if (phases.isEmpty()) {
      throw DomainException.conflict("not_started", "experiment '" + exp.key()
          + "' has not started: there is no phase to analyse", List.of());
    }
    if (number == 0) {
      return phases.get(phases.size() - 1);
    }
    if (number < 0 || number > phases.size()) {
      throw DomainException.invalid("phase", "experiment '" + exp.key() + "' has phases 1 to " + phases.size()
          + ", not " + number);
    }
    return phases.get(number - 1);
  }

  /**
   * Plans the refresh of a phase ({@code 0}: the latest).
   *
   * @param metrics the project's metrics by key (those the experiment names, and ratio parts)
   */
  static AnalysisPlan of(String project, Experiment exp, int phaseNumber, List<String> dimensions,
      Function<String, Metric> metrics) {
    Phase phase = phase(exp, phaseNumber);
    List<Phase> phases = exp.phases();
    // A phase runs until the next one starts; the latest one's exposures are all those since it started.
    long end = phase.number() < phases.size() ? phases.get(phase.number()).startedAt() : OPEN_END;
    List<Variant> variants = exp.variants();
    double[] weights = new double[variants.size()];
    for (int i = 0; i < variants.size(); i++) {
      weights[i] = i < phase.weights().size() ? phase.weights().get(i) : variants.get(i).weight();
    }
    Map<String, Guardrail> guardrails = exp.metrics().guardrailsByMetric();
    List<PlannedMetric> planned = new java.util.ArrayList<>();
    int minimumSample = 0;
    for (Map.Entry<String, MetricData.Role> e : roles(exp).entrySet()) {
      Metric m = metrics.apply(e.getKey());
      minimumSample = Math.max(minimumSample, m.minimumSample());
      Direction direction = m.direction();
      Optional<Double> margin = Optional.empty();
      if (e.getValue() == MetricData.Role.GUARDRAIL) {
        Guardrail g = guardrails.get(e.getKey());
        direction = g.direction(m);
        margin = g.threshold();
      }
      Optional<Ratio> ratio = m.type() == MetricType.RATIO
          ? Optional.of(new Ratio(metrics.apply(m.numerator().orElseThrow()),
              metrics.apply(m.denominator().orElseThrow())))
          : Optional.empty();
      planned.add(new PlannedMetric(e.getKey(), e.getValue(), m, direction == Direction.INCREASE, margin, ratio));
    }
    return new AnalysisPlan(project, exp.key(), phase.number(), phase.number() == phases.size(), phase.startedAt(),
        end, variants.stream().map(Variant::key).toList(), weights, planned, List.copyOf(dimensions),
        settings(exp), minimumSample, Design.of(exp));
  }

  /**
   * This plan for a differentially private export: only the mean, count and proportion metrics that
   * have a clip bound ([lo, hi] by metric key), each clipped to it per unit, and no breakdowns.
   */
  AnalysisPlan clipped(Map<String, double[]> bounds) {
    List<PlannedMetric> kept = new java.util.ArrayList<>();
    for (PlannedMetric m : metrics) {
      double[] b = bounds.get(m.key());
      if (b != null && m.ratio().isEmpty() && m.metric().type() != MetricType.QUANTILE) {
        kept.add(new PlannedMetric(m.key(), m.role(), m.metric(), m.higherIsBetter(), m.margin(), m.ratio(),
            Optional.of(b.clone())));
      }
    }
    return new AnalysisPlan(project, experimentKey, phase, latestPhase, start, end, variants, weights, kept, List.of(),
        settings, minimumSample, design);
  }

  /** The statistics engine's settings of an experiment's analysis settings. */
  static AnalysisSettings settings(Experiment exp) {
    Analysis a = exp.analysis();
    return new AnalysisSettings(AnalysisSettings.Engine.valueOf(a.engine().name()), a.alpha(), a.sequential(),
        a.cuped(), MultipleTesting.Method.valueOf(a.correction().name()), exp.plannedUnits().orElse(0L), 0, null);
  }

  /** The phase as the warehouse queries see it (only the experiment's project's events count). */
  MetricQueries.Phase window() {
    MetricQueries.Phase p = new MetricQueries.Phase(experimentKey, start, end, project);
    p = design.clusterAttribute().map(p::clusteredBy).orElse(p);
    return design.trigger().map(p::triggeredBy).orElse(p);
  }

  static MetricQueries.Metric query(Metric m, boolean withCovariate) {
    MetricQueries.Aggregation agg = switch (m.type()) {
      case PROPORTION -> MetricQueries.Aggregation.CONVERSION;
      case COUNT -> MetricQueries.Aggregation.COUNT;
      default -> MetricQueries.Aggregation.SUM;
    };
    long window = (long) (m.conversionWindowHours() * HOUR);
    long lookback = withCovariate ? m.cupedLookbackDays() * 24 * HOUR : 0;
    Double cap = m.capping().orElse(null);
    Double pct = m.cappingPercentile().orElse(null);
    if (m.sql().isPresent()) {
      MetricSql.problem(m.sql().get()).ifPresent(p -> {
        throw new IllegalArgumentException("its sql " + p);
      });
      return new MetricQueries.Metric("", agg, window, lookback, cap, pct, m.sql().get());
    }
    Map<String, Object> filters = new LinkedHashMap<>();
    m.filters().forEach((k, v) -> filters.put(k, v.isNumber() ? v.numberValue() : v.isBoolean() ? v.booleanValue()
        : v.asText()));
    return new MetricQueries.Metric(m.event().orElse(""), agg, window, lookback, cap, pct, null,
        m.valueProperty().equals("value") ? null : m.valueProperty(), filters);
  }
}
