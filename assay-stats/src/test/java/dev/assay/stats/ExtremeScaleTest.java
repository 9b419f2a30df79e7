package dev.assay.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The engine at the scale the issue asks for: n = 10⁹ units per arm, and p-values down to 1e-300
 * computed from survival functions (1 − cdf would round them to 0). Reference values are SciPy's
 * ({@code stats.norm.sf}, {@code stats.t.sf}, {@code stats.chi2.sf}).
 */
class ExtremeScaleTest {

  private static final long BILLION = 1_000_000_000L;

  /** One arm's CUPED sums from exact moments: x̄, ȳ, s²_x, s²_y, s_xy (n − 1 denominators). */
  private static CupedStats armFromMoments(long n, double meanX, double meanY, double varX, double varY, double cov) {
    return new CupedStats(n, n * meanY, n * meanX, (n - 1) * varY + n * meanY * meanY,
        (n - 1) * varX + n * meanX * meanX, (n - 1) * cov + n * meanX * meanY);
  }

  @Test
  void twoProportions_billionUnitsPerArm_pValueNear1eMinus303() {
    // 10.00% vs 10.05% of a billion each: unpooled z = 37.2265, 2·norm.sf(z) = 2.5450097495068868e-303.
    TwoProportions r = TwoProportions.compare(BILLION, 100_000_000L, BILLION, 100_500_000L, 0.05);

    assertThat(r.zUnpooled()).isCloseTo(37.22648564004794, within(1e-8));
    assertThat(r.pValueUnpooled()).isPositive().isCloseTo(2.5450097495068868e-303, withinPercentage(1e-6));
    assertThat(r.missing()).isEmpty();
  }

  @Test
  void welch_tTailWithMillionDf_pValueNear1eMinus299() {
    // n = 500,001 per arm with equal variances: Welch df = 2(n − 1) = 10⁶; t = 37.
    // SciPy: 2 * t.sf(37, 1e6) = 1.8299730861801398e-299 (heavier than the normal 1.145e-299).
    long n = 500_001;
    double var = n / 2.0; // variance of each mean = 1/2, so se = 1
    MeanDifference r = MeanDifference.welch(new SampleStats(n, 0, var), new SampleStats(n, 37, var), 0.05);

    assertThat(r.df()).isCloseTo(1e6, within(1e-3));
    assertThat(r.pValue()).isCloseTo(1.8299730861801398e-299, withinPercentage(1e-6));
  }

  @Test
  void sampleRatio_billionsOfUnits_chiSquareAndTinyPValue() {
    // Equal weights, 1,000,000,000 vs 1,001,200,000: χ² = 719.568…, chi2.sf = 1.6616535075363341e-158.
    SampleRatioMismatch r = SampleRatioMismatch.test(new long[] {BILLION, 1_001_200_000L}, new double[] {0.5, 0.5});

    assertThat(r.chi2()).isCloseTo(719.5682590445732, withinPercentage(1e-9));
    assertThat(r.pValue()).isCloseTo(1.6616535075363341e-158, withinPercentage(1e-6));
    assertThat(r.flagged()).isTrue();
    // A 0.01% imbalance of a billion is still flagged: χ² = 19.998, p = 7.75e-6.
    SampleRatioMismatch small =
        SampleRatioMismatch.test(new long[] {BILLION, 1_000_200_000L}, new double[] {0.5, 0.5});
    assertThat(small.pValue()).isCloseTo(7.752319785188015e-06, withinPercentage(1e-6));
  }

  @Test
  void cuped_billionUnitsFromRawSums_varianceReductionIsRhoSquared() {
    // s²_x = 4, s²_y = 5, s_xy = 4 in both arms: θ = 1, ρ² = 0.8, adjusted unit variance 1.
    // Sums reach 1e11 while the variances are O(1): the centred forms must keep ~9 digits.
    CupedStats a = armFromMoments(BILLION, 10, 20, 4, 5, 4);
    CupedStats b = armFromMoments(BILLION, 10, 20.001, 4, 5, 4);

    Cuped c = Cuped.adjust(a, b, 0.05);

    assertThat(c.missing()).isEmpty();
    assertThat(c.theta()).isCloseTo(1.0, within(1e-9));
    assertThat(c.varianceReduction()).isCloseTo(0.8, within(1e-9));
    assertThat(c.diffAdjusted()).isCloseTo(0.001, within(1e-9));
    assertThat(c.seAdjusted()).isCloseTo(Math.sqrt(2.0 / BILLION), withinPercentage(1e-6));
    assertThat(c.unadjusted().se()).isCloseTo(Math.sqrt(10.0 / BILLION), withinPercentage(1e-6));
  }

  @Test
  void analysis_billionUnitsPerArm_everyValueDefinedAndNoNotes() {
    CupedStats a = armFromMoments(BILLION, 10, 20, 4, 5, 4);
    CupedStats b = armFromMoments(BILLION, 10, 20.001, 4, 5, 4);
    CupedStats convA = new CupedStats(BILLION, 1e8, 0, 1e8, 0, 0);
    CupedStats convB = new CupedStats(BILLION, 1.0005e8, 0, 1.0005e8, 0, 0);
    List<MetricData> metrics = List.of(
        new MetricData("revenue", MetricData.Type.MEAN, true, MetricData.Role.GOAL, List.of(a, b), null),
        new MetricData("purchase", MetricData.Type.PROPORTION, true, MetricData.Role.GOAL, List.of(convA, convB), null));

    ExperimentAnalysis r = ExperimentAnalysis.analyze(List.of("control", "treatment"), new long[] {BILLION, BILLION},
        new double[] {0.5, 0.5}, metrics, AnalysisSettings.defaults());

    for (MetricResult m : r.results()) {
      assertThat(m.notes()).as(m.metric()).isEmpty();
      assertThat(List.of(m.effect(), m.ciLower(), m.ciUpper(), m.pValue(), m.lift(), m.chanceToWin()))
          .as(m.metric()).allSatisfy(v -> assertThat(v).isFinite());
      assertThat(m.ciLower()).as(m.metric()).isLessThan(m.effect());
      assertThat(m.ciUpper()).as(m.metric()).isGreaterThan(m.effect());
    }
    MetricResult revenue = r.results().get(0);
    assertThat(revenue.method()).isEqualTo("welch_t+cuped+msprt");
    assertThat(revenue.cupedVarianceReduction()).isCloseTo(0.8, within(1e-6));
    // z = 0.001 / √(2e-9) = 22.4: significant even always-valid, and the fixed-horizon p is ~1e-110.
    assertThat(revenue.significant()).isTrue();
    assertThat(revenue.fixedHorizonPValue()).isPositive().isLessThan(1e-100);
    assertThat(r.srm().flagged()).isFalse();
  }
}
