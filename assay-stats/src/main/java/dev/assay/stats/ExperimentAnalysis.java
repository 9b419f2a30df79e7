package dev.assay.stats;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A full analysis of one experiment from per-variant sufficient statistics: for every metric and
 * treatment variant, the absolute effect (CUPED-adjusted when a covariate is given, with the
 * unadjusted result beside it), the always-valid sequential interval and p-value, the relative
 * lift with its Fieller interval, the Bayesian chance to win and expected loss, a multiple-testing
 * correction over goal and secondary metrics × variants, a non-inferiority test for metrics with a
 * margin, and the sample-ratio-mismatch check. With the Bayesian engine the posterior decides; with
 * the state of earlier looks the sequential values run over all looks (see ADR 0011).
 *
 * @param settings the settings used
 * @param variants variant keys, control first
 * @param srm χ² sample-ratio check of the unit counts against the intended weights
 * @param results one per metric × treatment variant, in metric then variant order
 */
public record ExperimentAnalysis(AnalysisSettings settings, List<String> variants, SampleRatioMismatch srm,
    List<MetricResult> results) {

  /** Identifies one metric × treatment variant result across analyses. */
  public record Key(String metric, String variant) {}

  /**
   * Analyses an experiment at its first (or only) look.
   *
   * @param variants variant keys, control first (at least two)
   * @param units units assigned to each variant
   * @param weights intended traffic weights of the variants (sum to 1)
   * @param metrics per-variant statistics of each metric, in variant order
   */
  public static ExperimentAnalysis analyze(List<String> variants, long[] units, double[] weights,
      List<MetricData> metrics, AnalysisSettings settings) {
    return analyze(variants, units, weights, metrics, settings, Map.of());
  }

  /*
   * Before any unit is exposed (a new experiment's first refreshes) there is no evidence of a
   * mismatch: χ² = 0 and p = 1, rather than an error that would fail the whole analysis.
   */
  private static SampleRatioMismatch srm(long[] units, double[] weights) {
    long exposed = 0;
    int active = 0;
    for (int i = 0; i < units.length; i++) {
      if (weights[i] > 0) {
        exposed += units[i];
        active++;
      }
    }
    return exposed == 0 && active >= 2
        ? new SampleRatioMismatch(0, active - 1, 1.0, SampleRatioMismatch.DEFAULT_THRESHOLD)
        : SampleRatioMismatch.test(units, weights);
  }

  /**
   * Analyses an experiment at a later look, folding each sequential headline into the running
   * state of the earlier looks ({@link #runningStates()} of the previous analysis): the interval
   * is the running intersection and the p-value the running minimum, which is what keeps them
   * valid however often the experiment is looked at. Keep {@code plannedUnits} fixed across looks
   * so the mixture (τ²) does not change.
   *
   * @param previous the running state per metric × variant after the earlier looks (may be empty)
   */
  public static ExperimentAnalysis analyze(List<String> variants, long[] units, double[] weights,
      List<MetricData> metrics, AnalysisSettings settings, Map<Key, AlwaysValidState> previous) {
    int k = variants.size();
    if (k < 2) {
      throw new StatsException("an experiment needs at least two variants, got " + k);
    }
    if (units.length != k || weights.length != k) {
      throw new StatsException("units and weights need one entry per variant (" + k + ")");
    }
    SampleRatioMismatch srm = srm(units, weights);
    List<MetricResult> results = new ArrayList<>(metrics.size() * (k - 1));
    for (MetricData m : metrics) {
      if (m.variantCount() != k) {
        throw new StatsException("metric '" + m.key() + "' has statistics for " + m.variantCount()
            + " variants, the experiment has " + k);
      }
      // MetricData holds ratio statistics exactly for ratio metrics and values for the others.
      List<RatioStats> ratios = m.ratios();
      List<CupedStats> values = m.values();
      for (int v = 1; v < k; v++) {
        results.add(ratios != null
            ? ratio(m, variants.get(v), ratios.get(0), ratios.get(v), settings)
            : mean(m, variants.get(v), Objects.requireNonNull(values).get(0), values.get(v), settings));
      }
    }
    if (!previous.isEmpty()) {
      results = running(results, previous, settings.alpha());
    }
    List<MetricResult> out = settings.engine() == AnalysisSettings.Engine.BAYESIAN
        ? bayesian(metrics, results, settings)
        : correct(metrics, results, settings);
    return new ExperimentAnalysis(settings, List.copyOf(variants), srm, out);
  }

  /** The running sequential state of every sequential result, to pass to the next look's analysis. */
  public Map<Key, AlwaysValidState> runningStates() {
    Map<Key, AlwaysValidState> states = new LinkedHashMap<>();
    for (MetricResult r : results) {
      r.runningState().ifPresent(st -> states.put(new Key(r.metric(), r.variant()), st));
    }
    return states;
  }

  private static List<MetricResult> running(List<MetricResult> results, Map<Key, AlwaysValidState> previous,
      double alpha) {
    List<MetricResult> out = new ArrayList<>(results.size());
    for (MetricResult r : results) {
      AlwaysValidState before = previous.get(new Key(r.metric(), r.variant()));
      Optional<AlwaysValidState> now = r.runningState();
      if (before == null || now.isEmpty()) {
        out.add(r);
        continue;
      }
      AlwaysValidState combined = combine(before, now.get());
      List<String> notes = new ArrayList<>(r.notes());
      if (combined.isEmpty()) {
        // Probability ≤ α under the model: the effect changed or the data were revised. Say so and
        // start the sequence again from this look rather than report an empty interval.
        notes.add("the running interval became empty (the effect changed over time or the data were revised):"
            + " restarted from this look");
        combined = now.get();
      }
      out.add(r.withRunning(combined, alpha, notes));
    }
    return out;
  }

  /** Running minimum p-value and running intersection of the intervals. */
  private static AlwaysValidState combine(AlwaysValidState before, AlwaysValidState look) {
    return new AlwaysValidState(before.looks() + look.looks(), Math.min(before.pValue(), look.pValue()),
        Math.max(before.ciLower(), look.ciLower()), Math.min(before.ciUpper(), look.ciUpper()));
  }

  /** Conversions above this use the Gaussian chance to win: the exact sum has one term per conversion. */
  static final long EXACT_BETA_BINOMIAL_LIMIT = 100_000;

  /*
   * The Bayesian engine makes the posterior the headline (shared statistics.md §5, §13.8): a
   * variant is decided when its chance to win is at least 1 − α/2 (clear winner) or at most α/2
   * (clear loser). Conversion metrics without a CUPED adjustment and with a flat prior use the
   * exact Beta-binomial posterior with a uniform Beta(1, 1) prior on each rate (§5.2), its expected
   * losses divided by the control rate so they are on the relative-lift scale of the Gaussian ones.
   * Multiple-testing corrections are frequentist and are not applied (as in Eppo and GrowthBook);
   * the raw and adjusted p-values stay equal.
   */
  private static List<MetricResult> bayesian(List<MetricData> metrics, List<MetricResult> results,
      AnalysisSettings s) {
    List<MetricResult> out = new ArrayList<>(results.size());
    int perMetric = metrics.isEmpty() ? 0 : results.size() / metrics.size();
    for (int i = 0; i < results.size(); i++) {
      MetricData m = metrics.get(i / perMetric);
      MetricResult r = results.get(i);
      if (r.methods().contains(StatResult.Method.NONE)) {
        out.add(r);
        continue;
      }
      List<String> notes = new ArrayList<>(r.notes());
      String method = r.method();
      double chance = r.chanceToWin();
      double lossControl = r.riskControl();
      double lossVariant = r.riskVariant();
      boolean exactUsable = m.type() == MetricData.Type.PROPORTION && r.cupedVarianceReduction() == null
          && s.priorVariance() == null;
      if (exactUsable) {
        List<CupedStats> values = Objects.requireNonNull(m.values()); // a proportion metric has values
        CupedStats a = values.get(0);
        CupedStats b = values.get(1 + i % perMetric);
        long xA = Math.round(a.sumY());
        long xB = Math.round(b.sumY());
        if (Math.max(xA, xB) >= EXACT_BETA_BINOMIAL_LIMIT) {
          notes.add("more than " + EXACT_BETA_BINOMIAL_LIMIT + " conversions: Gaussian chance to win instead of"
              + " the exact Beta-binomial (they agree closely at this size)");
        } else if (xA > 0) {
          BetaBinomial exact = BetaBinomial.compare(xA, a.n(), xB, b.n(), 1, 1);
          double pA = (double) xA / a.n();
          chance = m.higherIsBetter() ? exact.probBBeatsA() : 1 - exact.probBBeatsA();
          double lossShipB = exact.expectedLossChooseB() / pA;
          double lossKeepA = exact.expectedLossChooseA() / pA;
          lossVariant = m.higherIsBetter() ? lossShipB : lossKeepA;
          lossControl = m.higherIsBetter() ? lossKeepA : lossShipB;
          method += "+" + exact.method().id();
        }
      }
      if (!method.contains(StatResult.Method.BETA_BINOMIAL_EXACT.id())) {
        method += "+" + (s.priorVariance() == null ? StatResult.Method.BAYESIAN_GAUSSIAN_FLAT_PRIOR
            : StatResult.Method.BAYESIAN_GAUSSIAN_NORMAL_PRIOR).id();
      }
      boolean decided = chance >= 1 - s.alpha() / 2 || chance <= s.alpha() / 2;
      out.add(r.withBayesian(method, chance, lossControl, lossVariant, decided, notes));
    }
    return out;
  }

  private static List<MetricResult> correct(List<MetricData> metrics, List<MetricResult> results,
      AnalysisSettings settings) {
    List<Integer> family = new ArrayList<>();
    int perMetric = metrics.isEmpty() ? 0 : results.size() / metrics.size();
    for (int i = 0; i < results.size(); i++) {
      MetricData m = metrics.get(i / perMetric);
      if (m.role() != MetricData.Role.GUARDRAIL && !Double.isNaN(results.get(i).pValue())) {
        family.add(i);
      }
    }
    double[] p = new double[family.size()];
    for (int j = 0; j < p.length; j++) {
      p[j] = results.get(family.get(j)).pValue();
    }
    double[] adjusted = MultipleTesting.adjust(settings.correction(), p);
    List<MetricResult> out = new ArrayList<>(results);
    for (int j = 0; j < p.length; j++) {
      int i = family.get(j);
      out.set(i, out.get(i).withAdjusted(adjusted[j], settings.alpha()));
    }
    return out;
  }

  private static MetricResult mean(MetricData m, String variant, CupedStats a, CupedStats b, AnalysisSettings s) {
    List<String> notes = new ArrayList<>();
    if (a.n() < 2 || b.n() < 2) {
      notes.add("not enough data: n < 2 in " + (a.n() < 2 ? "control" : variant) + ", no inference");
      return empty(m, variant, a.n() > 0 ? a.meanY() : Double.NaN, b.n() > 0 ? b.meanY() : Double.NaN, notes);
    }
    boolean hasCovariate = a.sumX2() > 0 || b.sumX2() > 0;
    Cuped c = s.cuped() && hasCovariate ? Cuped.adjust(a, b, s.alpha()) : null;
    MeanDifference raw = c != null ? c.unadjusted() : MeanDifference.welch(a.outcome(), b.outcome(), s.alpha());
    raw.missing().ifPresent(notes::add);
    double effect = raw.diff();
    double variance = raw.se() * raw.se();
    double fixedLo = raw.ciLower();
    double fixedHi = raw.ciUpper();
    double fixedP = raw.pValue();
    Double reduction = null;
    String method = StatResult.Method.WELCH_T.id();
    double vuA = a.varY();
    double vuB = b.varY();
    RelativeLift relative = RelativeLift.compute(a.meanY(), a.outcome().varianceOfMean(), b.meanY(),
        b.outcome().varianceOfMean(), Double.NaN, s.alpha());
    if (c != null && raw.missing().isEmpty()) {
      if (c.missing().isEmpty()) {
        effect = c.diffAdjusted();
        variance = c.seAdjusted() * c.seAdjusted();
        fixedLo = c.ciLowerAdjustedT();
        fixedHi = c.ciUpperAdjustedT();
        fixedP = c.pValueAdjustedT();
        reduction = c.varianceReduction();
        vuA = c.varAdjUnitA();
        vuB = c.varAdjUnitB();
        relative = c.relative();
        method += "+" + StatResult.Method.CUPED.id();
      } else {
        notes.add("CUPED not applied: " + c.missingReason());
      }
    }
    return finish(m, variant, method, a.meanY(), b.meanY(), a.n(), b.n(), vuA, vuB, effect, variance,
        fixedLo, fixedHi, fixedP, reduction, raw.diff(), raw.ciLower(), raw.ciUpper(), relative, s, notes);
  }

  private static MetricResult ratio(MetricData m, String variant, RatioStats a, RatioStats b, AnalysisSettings s) {
    List<String> notes = new ArrayList<>();
    if (a.n() < 2 || b.n() < 2 || a.sumDen() == 0 || b.sumDen() == 0) {
      notes.add(a.n() < 2 || b.n() < 2 ? "not enough data: n < 2 in an arm, no inference" : "denominator sums to 0: ratio undefined");
      return empty(m, variant, Double.NaN, Double.NaN, notes);
    }
    RatioComparison r = RatioComparison.compare(a, b, s.alpha());
    r.missing().ifPresent(notes::add);
    double df = Distributions.welchDf(r.varianceA(), a.n(), r.varianceB(), b.n());
    double tq = Distributions.tUpperQuantile(s.alpha() / 2, df);
    double lo = r.absDiff() - tq * r.seAbs();
    double hi = r.absDiff() + tq * r.seAbs();
    double p = Distributions.tTwoSidedP(r.zAbs(), df);
    return finish(m, variant, StatResult.Method.DELTA_METHOD.id(), r.ratioA(), r.ratioB(), a.n(), b.n(), r.varianceA() * a.n(),
        r.varianceB() * b.n(), r.absDiff(), r.seAbs() * r.seAbs(), lo, hi, p, null, r.absDiff(), lo, hi, r.lift(), s,
        notes);
  }

  private static MetricResult finish(MetricData m, String variant, String method, double meanA, double meanB,
      long nA, long nB, double unitVarA, double unitVarB, double effect, double variance, double fixedLo,
      double fixedHi, double fixedP, @Nullable Double reduction, double rawEffect, double rawLo, double rawHi,
      RelativeLift rl, AnalysisSettings s, List<String> notes) {
    double lo = fixedLo;
    double hi = fixedHi;
    double p = fixedP;
    double plannedVariance = variance;
    if (s.sequential() && variance > 0) {
      if (s.plannedUnits() > nA + nB) {
        double share = (double) nA / (nA + nB);
        plannedVariance = unitVarA / (s.plannedUnits() * share) + unitVarB / (s.plannedUnits() * (1 - share));
      }
      AlwaysValidLook look = NormalMixtureSequence.tunedTo(plannedVariance, s.alpha()).look(effect, variance);
      lo = look.ciLower();
      hi = look.ciUpper();
      p = look.pValue();
      method += "+" + StatResult.Method.MSPRT.id();
    }
    // Relative lift of the (adjusted) effect over the control mean, by the delta method with the
    // covariance of its numerator and the control mean (non-zero under CUPED, see Cuped).
    double lift = Double.NaN;
    Double liftLo = null;
    Double liftHi = null;
    double chance = Double.NaN;
    double riskControl = Double.NaN;
    double riskVariant = Double.NaN;
    double credLo = Double.NaN;
    double credHi = Double.NaN;
    if (meanA != 0 && variance > 0 && rl.varianceDelta() > 0) {
      lift = rl.lift();
      if (s.sequential()) {
        // Always-valid interval on the lift, with the mixture tuned to its planned variance.
        double scale = rl.varianceDelta() / variance;
        AlwaysValidLook look = NormalMixtureSequence.tunedTo(plannedVariance * scale, s.alpha())
            .look(lift, rl.varianceDelta());
        liftLo = look.ciLower();
        liftHi = look.ciUpper();
      } else {
        liftLo = rl.ciLowerFieller();
        liftHi = rl.ciUpperFieller();
        if (liftLo == null) {
          notes.add("relative interval unbounded: control mean indistinguishable from 0");
        }
      }
      BayesianGaussian post = BayesianGaussian.posterior(m.higherIsBetter() ? lift : -lift, rl.seDelta(),
          m.higherIsBetter() ? s.priorMean() : -s.priorMean(), s.priorVariance(), s.alpha());
      chance = post.chanceToWin();
      riskControl = post.riskControl();
      riskVariant = post.riskTreatment();
      credLo = m.higherIsBetter() ? post.ciLower() : -post.ciUpper();
      credHi = m.higherIsBetter() ? post.ciUpper() : -post.ciLower();
    } else if (meanA == 0) {
      notes.add("control mean is 0: relative lift and Bayesian results undefined");
    }
    NonInferiority ni = nonInferiority(m, meanA, nA, nB, unitVarA, unitVarB, effect, variance, plannedVariance, s,
        notes);
    return new MetricResult(m.key(), variant, method, meanA, meanB, effect, lo, hi, p, p, fixedLo, fixedHi,
        fixedP, lift, liftLo, liftHi, reduction, rawEffect, rawLo, rawHi, chance, riskControl, riskVariant,
        credLo, credHi, p < s.alpha(), List.copyOf(notes), s.sequential() && variance > 0 ? 1 : 0, ni);
  }

  /**
   * The one-sided test against the metric's relative margin, on the headline effect (CUPED-adjusted
   * when adjusted): always-valid when the analysis is sequential, else the Welch t test.
   */
  private static @Nullable NonInferiority nonInferiority(MetricData m, double meanA, long nA, long nB,
      double unitVarA, double unitVarB, double effect, double variance, double plannedVariance, AnalysisSettings s,
      List<String> notes) {
    Double relative = m.nonInferiorityMargin();
    if (relative == null) {
      return null;
    }
    if (meanA == 0 || !Double.isFinite(meanA)) {
      notes.add("non-inferiority not tested: the margin is relative to the control mean, which is "
          + (meanA == 0 ? "0" : "undefined"));
      return null;
    }
    if (!(variance > 0) || !Double.isFinite(effect)) {
      notes.add("non-inferiority not tested: the effect has no variance");
      return null;
    }
    double margin = relative * Math.abs(meanA);
    return s.sequential()
        ? NonInferiority.alwaysValid(effect, variance, plannedVariance, margin, m.higherIsBetter(), s.alpha())
        : NonInferiority.fixedHorizon(effect, variance,
            Distributions.welchDf(unitVarA / nA, nA, unitVarB / nB, nB), margin, m.higherIsBetter(), s.alpha());
  }

  private static MetricResult empty(MetricData m, String variant, double meanA, double meanB, List<String> notes) {
    if (m.nonInferiorityMargin() != null) {
      notes.add("non-inferiority not tested: no inference");
    }
    double nan = Double.NaN;
    return new MetricResult(m.key(), variant, StatResult.Method.NONE.id(), meanA, meanB, nan, nan, nan, nan, nan, nan, nan, nan, nan,
        null, null, null, nan, nan, nan, nan, nan, nan, nan, nan, false, List.copyOf(notes), 0, null);
  }
}
