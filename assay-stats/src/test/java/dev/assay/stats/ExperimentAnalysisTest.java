package dev.assay.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The whole-experiment analysis: corrections, CUPED, sequential, SRM and explained gaps. */
class ExperimentAnalysisTest {

  private static CupedStats arm(long n, double mean, double var, double meanX, double varX, double cov) {
    double sumY = n * mean;
    double sumX = n * meanX;
    return new CupedStats(n, sumY, sumX, var * (n - 1) + sumY * sumY / n, varX * (n - 1) + sumX * sumX / n,
        cov * (n - 1) + sumX * sumY / n);
  }

  private static MetricData metric(String key, MetricData.Role role, CupedStats... arms) {
    return new MetricData(key, MetricData.Type.MEAN, true, role, List.of(arms), null);
  }

  @Test
  void analyze_threeVariants_correctsGoalsButNotGuardrailsAndReportsCuped() {
    List<MetricData> metrics = new ArrayList<>();
    metrics.add(metric("revenue", MetricData.Role.GOAL, arm(10_000, 10, 100, 10, 90, 75),
        arm(10_000, 10.4, 100, 10, 90, 75), arm(10_000, 10.05, 100, 10, 90, 75)));
    metrics.add(metric("latency", MetricData.Role.GUARDRAIL, arm(10_000, 200, 400, 0, 0, 0),
        arm(10_000, 201, 400, 0, 0, 0), arm(10_000, 200, 400, 0, 0, 0)));

    ExperimentAnalysis r = ExperimentAnalysis.analyze(List.of("control", "b", "c"), new long[] {10_000, 10_000, 10_000},
        new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0}, metrics, AnalysisSettings.defaults());

    assertThat(r.results()).hasSize(4);
    MetricResult revB = r.results().get(0);
    assertThat(revB.method()).isEqualTo("welch_t+cuped+msprt");
    assertThat(revB.methods()).containsExactly(StatResult.Method.WELCH_T, StatResult.Method.CUPED,
        StatResult.Method.MSPRT);
    // ρ² = 75²/(100·90) = 0.625: CUPED removes ~62.5% of the variance.
    assertThat(revB.cupedVarianceReduction()).isBetween(0.6, 0.65);
    assertThat(revB.pValueAdjusted()).isGreaterThanOrEqualTo(revB.pValue());
    assertThat(revB.ciUpper() - revB.ciLower()).as("always-valid wider than fixed")
        .isGreaterThan(revB.fixedHorizonCiUpper() - revB.fixedHorizonCiLower());
    assertThat(revB.unadjustedCiUpper() - revB.unadjustedCiLower())
        .isGreaterThan(revB.fixedHorizonCiUpper() - revB.fixedHorizonCiLower());
    MetricResult latency = r.results().get(2);
    assertThat(latency.pValueAdjusted()).isEqualTo(latency.pValue());
    assertThat(latency.method()).isEqualTo("welch_t+msprt");
    assertThat(r.srm().flagged()).isFalse();
  }

  private static AnalysisSettings bayesian(Double priorVariance) {
    AnalysisSettings d = AnalysisSettings.defaults();
    return new AnalysisSettings(AnalysisSettings.Engine.BAYESIAN, d.alpha(), d.sequential(), d.cuped(),
        d.correction(), 0, 0, priorVariance);
  }

  private static CupedStats conversions(long n, long x) {
    return new CupedStats(n, x, 0, x, 0, 0);
  }

  @Test
  void analyze_bayesianEngine_conversionsUseExactBetaBinomialAndDecideOnChanceToWin() {
    MetricData up = new MetricData("purchase", MetricData.Type.PROPORTION, true, MetricData.Role.GOAL,
        List.of(conversions(10_000, 1000), conversions(10_000, 1090)), null);
    MetricData down = new MetricData("refund", MetricData.Type.PROPORTION, false, MetricData.Role.GOAL,
        List.of(conversions(10_000, 1000), conversions(10_000, 1090)), null);
    List<String> arms = List.of("a", "b");
    long[] units = {10_000, 10_000};
    double[] w = {0.5, 0.5};

    List<MetricResult> freq = ExperimentAnalysis.analyze(arms, units, w, List.of(up, down), AnalysisSettings.defaults())
        .results();
    List<MetricResult> bayes = ExperimentAnalysis.analyze(arms, units, w, List.of(up, down), bayesian(null)).results();

    MetricResult b = bayes.get(0);
    assertThat(b.method()).isEqualTo("welch_t+msprt+beta_binomial_exact");
    // P(p_b > p_a) for Beta(1091, 8911) vs Beta(1001, 9001): z ≈ 2.07, so about 0.98; the exact value
    // is close to the Gaussian one on the lift but not identical.
    assertThat(b.chanceToWin()).isBetween(0.975, 0.985).isNotEqualTo(freq.get(0).chanceToWin());
    assertThat(Math.abs(b.chanceToWin() - freq.get(0).chanceToWin())).isLessThan(0.005);
    assertThat(b.significant()).as("chance to win above 97.5%").isTrue();
    assertThat(freq.get(0).significant()).as("the always-valid frequentist test is not yet convinced").isFalse();
    assertThat(b.pValueAdjusted()).isEqualTo(b.pValue());
    // Expected losses on the relative scale: keeping control forgoes ~9%, shipping b risks almost nothing.
    assertThat(b.riskControl()).isBetween(0.08, 0.10);
    assertThat(b.riskVariant()).isBetween(0.0, 0.001);
    MetricResult refund = bayes.get(1);
    assertThat(refund.chanceToWin()).isCloseTo(1 - b.chanceToWin(), org.assertj.core.data.Offset.offset(1e-12));
    assertThat(refund.riskVariant()).isEqualTo(b.riskControl());
    assertThat(refund.significant()).as("a clear loser is decided too").isTrue();
  }

  @Test
  void analyze_bayesianEngineProperPrior_gaussianPosteriorNamed() {
    MetricData m = metric("revenue", MetricData.Role.GOAL, arm(10_000, 10, 100, 0, 0, 0), arm(10_000, 10.1, 100, 0, 0, 0));
    MetricData conv = new MetricData("purchase", MetricData.Type.PROPORTION, true, MetricData.Role.GOAL,
        List.of(conversions(10_000, 1000), conversions(10_000, 1010)), null);

    List<MetricResult> r = ExperimentAnalysis.analyze(List.of("a", "b"), new long[] {10_000, 10_000},
        new double[] {0.5, 0.5}, List.of(m, conv), bayesian(0.01)).results();

    assertThat(r.get(0).method()).isEqualTo("welch_t+msprt+bayesian_gaussian_normal_prior");
    assertThat(r.get(1).method()).as("a proper prior on the lift: no exact flat-prior shortcut")
        .isEqualTo("welch_t+msprt+bayesian_gaussian_normal_prior");
    assertThat(r.get(0).significant()).isFalse();
  }

  @Test
  void analyze_laterLooks_runningIntersectionAndRunningMinimumP() {
    AnalysisSettings d = AnalysisSettings.defaults();
    AnalysisSettings s = new AnalysisSettings(d.engine(), d.alpha(), true, d.cuped(), d.correction(), 60_000, 0, null);
    List<String> arms = List.of("a", "b");
    // Three cumulative looks; the estimate drifts so that the intervals do not nest.
    double[] meansB = {10.6, 10.15, 10.3};
    long[] ns = {5_000, 15_000, 30_000};
    java.util.Map<ExperimentAnalysis.Key, AlwaysValidState> state = java.util.Map.of();
    double maxLower = Double.NEGATIVE_INFINITY;
    double minUpper = Double.POSITIVE_INFINITY;
    double minP = 1;
    MetricResult last = null;
    MetricResult lastSingle = null;
    for (int look = 0; look < 3; look++) {
      long n = ns[look];
      MetricData m = metric("revenue", MetricData.Role.GOAL, arm(n, 10, 100, 0, 0, 0), arm(n, meansB[look], 100, 0, 0, 0));
      MetricResult single = ExperimentAnalysis.analyze(arms, new long[] {n, n}, new double[] {0.5, 0.5}, List.of(m), s)
          .results().get(0);
      ExperimentAnalysis a = ExperimentAnalysis.analyze(arms, new long[] {n, n}, new double[] {0.5, 0.5}, List.of(m), s,
          state);
      maxLower = Math.max(maxLower, single.ciLower());
      minUpper = Math.min(minUpper, single.ciUpper());
      minP = Math.min(minP, single.pValue());
      last = a.results().get(0);
      lastSingle = single;
      assertThat(last.looks()).isEqualTo(look + 1);
      assertThat(last.ciLower()).isEqualTo(maxLower);
      assertThat(last.ciUpper()).isEqualTo(minUpper);
      assertThat(last.pValue()).isEqualTo(minP);
      state = a.runningStates();
    }
    // The drifting estimates make the running intersection strictly narrower than the last look alone.
    assertThat(last.ciUpper() - last.ciLower()).isLessThan(lastSingle.ciUpper() - lastSingle.ciLower());
    assertThat(state).containsKey(new ExperimentAnalysis.Key("revenue", "b"));
  }

  @Test
  void analyze_runningIntervalWouldBeEmpty_restartsWithNote() {
    AnalysisSettings s = AnalysisSettings.defaults();
    MetricData m = metric("revenue", MetricData.Role.GOAL, arm(10_000, 10, 100, 0, 0, 0), arm(10_000, 10.1, 100, 0, 0, 0));
    // An earlier state that excludes everything this look finds plausible.
    java.util.Map<ExperimentAnalysis.Key, AlwaysValidState> previous =
        java.util.Map.of(new ExperimentAnalysis.Key("revenue", "b"), new AlwaysValidState(4, 1e-6, 5.0, 6.0));

    MetricResult r = ExperimentAnalysis.analyze(List.of("a", "b"), new long[] {10_000, 10_000},
        new double[] {0.5, 0.5}, List.of(m), s, previous).results().get(0);

    assertThat(r.looks()).isEqualTo(1);
    assertThat(r.ciLower()).isLessThan(0.1).isGreaterThan(-5.0);
    assertThat(r.notes()).anyMatch(n -> n.contains("running interval became empty"));
  }

  @Test
  void analyze_fixedHorizon_noRunningState() {
    AnalysisSettings d = AnalysisSettings.defaults();
    AnalysisSettings s = new AnalysisSettings(d.engine(), d.alpha(), false, d.cuped(), d.correction(), 0, 0, null);
    MetricData m = metric("revenue", MetricData.Role.GOAL, arm(1_000, 10, 100, 0, 0, 0), arm(1_000, 10.1, 100, 0, 0, 0));

    ExperimentAnalysis a = ExperimentAnalysis.analyze(List.of("a", "b"), new long[] {1_000, 1_000},
        new double[] {0.5, 0.5}, List.of(m), s);

    assertThat(a.results().get(0).looks()).isZero();
    assertThat(a.runningStates()).isEmpty();
  }

  @Test
  void analyze_skewedSplit_flagsSampleRatioMismatch() {
    MetricData m = metric("conv", MetricData.Role.GOAL, arm(52_000, 0.1, 0.09, 0, 0, 0), arm(48_000, 0.1, 0.09, 0, 0, 0));

    ExperimentAnalysis r = ExperimentAnalysis.analyze(List.of("a", "b"), new long[] {52_000, 48_000},
        new double[] {0.5, 0.5}, List.of(m), AnalysisSettings.defaults());

    assertThat(r.srm().flagged()).isTrue();
  }

  @Test
  void analyze_zeroControlMean_explainsMissingRelativeResults() {
    MetricData m = metric("refunds", MetricData.Role.GOAL, arm(1000, 0, 1, 0, 0, 0), arm(1000, 0.1, 1, 0, 0, 0));

    MetricResult r = ExperimentAnalysis.analyze(List.of("a", "b"), new long[] {1000, 1000}, new double[] {0.5, 0.5},
        List.of(m), AnalysisSettings.defaults()).results().get(0);

    assertThat(r.lift()).isNaN();
    assertThat(r.notes()).anyMatch(n -> n.contains("control mean is 0"));
    assertThat(r.pValue()).isBetween(0.0, 1.0);
  }

  @Test
  void analyze_metricWithNoVariance_explainedNotThrown() {
    // Everyone converted in both arms (with a covariate given): no variance, no inference, no exception.
    MetricData m = metric("always", MetricData.Role.GOAL, arm(500, 1, 0, 2, 1, 0), arm(500, 1, 0, 2, 1, 0));

    MetricResult r = ExperimentAnalysis.analyze(List.of("a", "b"), new long[] {500, 500}, new double[] {0.5, 0.5},
        List.of(m), AnalysisSettings.defaults()).results().get(0);

    assertThat(r.pValue()).isNaN();
    assertThat(r.notes()).anyMatch(n -> n.contains("zero variance"));
  }

  @Test
  void analyze_mismatchedVariantCount_rejected() {
    MetricData m = metric("x", MetricData.Role.GOAL, arm(10, 1, 1, 0, 0, 0));

    assertThatThrownBy(() -> ExperimentAnalysis.analyze(List.of("a", "b"), new long[] {10, 10},
        new double[] {0.5, 0.5}, List.of(m), AnalysisSettings.defaults()))
        .hasMessageContaining("metric 'x'");
  }
}
