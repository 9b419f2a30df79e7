package dev.assay.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * More edge cases of the fixed-horizon methods: Fieller by its defining equation, proportions at a
 * tiny p, ratio and CUPED degenerate inputs, proper-prior posteriors and power. Reference numbers
 * come from SciPy 1.17 (quoted beside each), never from this code.
 */
class FixedHorizonEdgeTest {

  private static final double Z975 = 1.959963984540054;

  @Test
  void fieller_endpointsSolveTheFiellerEquation() {
    SampleStats a = new SampleStats(400, 10.0, 25.0);
    SampleStats b = new SampleStats(500, 10.8, 30.0);

    RelativeLift r = RelativeLift.compute(a, b, 0.05);

    double va = a.varianceOfMean();
    double vb = b.varianceOfMean();
    for (double end : new double[] {r.ciLowerFieller(), r.ciUpperFieller()}) {
      double rho = 1 + end;
      // (ȳ_b − ρȳ_a)² = z²(v_b + ρ²v_a) at both ends of the interval.
      double lhs = Math.pow(b.mean() - rho * a.mean(), 2);
      double rhs = Z975 * Z975 * (vb + rho * rho * va);
      assertThat(lhs).isCloseTo(rhs, withinPercentage(1e-8));
    }
    assertThat(r.ciLowerFieller()).isLessThan(r.lift());
    assertThat(r.ciUpperFieller()).isGreaterThan(r.lift());
    assertThat(r.missing()).isEmpty();
  }

  @Test
  void fieller_negativeControlMean_intervalOnTheSameScaleAsTheLift() {
    // lift = (ȳ_b − ȳ_a)/|ȳ_a| = (−8 + 10)/10 = 0.2 although R − 1 = −0.2.
    SampleStats a = new SampleStats(1000, -10.0, 4.0);
    SampleStats b = new SampleStats(1000, -8.0, 4.0);

    RelativeLift r = RelativeLift.compute(a, b, 0.05);

    assertThat(r.lift()).isCloseTo(0.2, within(1e-12));
    assertThat(r.ciLowerFieller()).isLessThan(0.2);
    assertThat(r.ciUpperFieller()).isGreaterThan(0.2);
    assertThat(r.ciLowerDeltaZ()).isLessThan(0.2);
    assertThat(r.ciUpperDeltaZ()).isGreaterThan(0.2);
    // The mirrored endpoints still solve (ȳ_b − ρȳ_a)² = z²(v_b + ρ²v_a) for ρ = 1 − end.
    for (double end : new double[] {r.ciLowerFieller(), r.ciUpperFieller()}) {
      double rho = 1 - end;
      assertThat(Math.pow(b.mean() - rho * a.mean(), 2))
          .isCloseTo(Z975 * Z975 * (b.varianceOfMean() + rho * rho * a.varianceOfMean()), withinPercentage(1e-8));
    }
  }

  @Test
  void fieller_controlMeanIndistinguishableFromZero_unboundedWithReasonButDeltaStillGiven() {
    SampleStats a = new SampleStats(10, 0.1, 1.0);
    SampleStats b = new SampleStats(10, 0.5, 1.0);

    RelativeLift r = RelativeLift.compute(a, b, 0.05);

    assertThat(r.fiellerG()).isGreaterThanOrEqualTo(1);
    assertThat(r.ciLowerFieller()).isNull();
    assertThat(r.ciUpperFieller()).isNull();
    assertThat(r.missing()).get().asString().contains("indistinguishable from 0");
    assertThat(r.ciLowerDeltaZ()).isFinite();
    assertThat(r.lift()).isCloseTo(4.0, within(1e-12));
  }

  @Test
  void relativeLift_singleUnit_rejectedNamingN() {
    assertThatThrownBy(() -> RelativeLift.compute(new SampleStats(1, 1, 0), new SampleStats(5, 1, 1), 0.05))
        .hasMessageContaining("n_a=1");
  }

  @Test
  void twoProportions_zEqualsThirty_pValueDoesNotUnderflow() {
    // p_a = 0.1, p_b = 0.2, n = 22,500 per arm: unpooled z = 0.1 / √(0.25/22500) = 30.
    TwoProportions r = TwoProportions.compare(22_500, 2_250, 22_500, 4_500, 0.05);

    assertThat(r.zUnpooled()).isCloseTo(30.0, within(1e-9));
    // SciPy: 2 * norm.sf(30) = 9.813427854295816e-198
    assertThat(r.pValueUnpooled()).isCloseTo(9.813427854295816e-198, withinPercentage(1e-7));
    assertThat(r.missing()).isEmpty();
  }

  @Test
  void twoProportions_noConversionsAnywhere_explainedNotNaNSilently() {
    TwoProportions r = TwoProportions.compare(1000, 0, 1000, 0, 0.05);

    assertThat(r.missing()).get().asString().contains("zero variance");
    assertThat(r.diff()).isZero();
  }

  @Test
  void ratioMetric_unitDenominators_reducesToTheDifferenceOfMeans() {
    SplittableRandom rnd = new SplittableRandom(3);
    double[] numA = rnd.doubles(300, 0, 10).toArray();
    double[] numB = rnd.doubles(350, 1, 11).toArray();
    double[] onesA = new double[numA.length];
    double[] onesB = new double[numB.length];
    Arrays.fill(onesA, 1);
    Arrays.fill(onesB, 1);

    RatioComparison ratio =
        RatioComparison.compare(RatioStats.fromValues(numA, onesA), RatioStats.fromValues(numB, onesB), 0.05);
    MeanDifference welch = MeanDifference.welch(SampleStats.fromValues(numA), SampleStats.fromValues(numB), 0.05);

    assertThat(ratio.absDiff()).isCloseTo(welch.diff(), within(1e-12));
    assertThat(ratio.seAbs()).isCloseTo(welch.se(), withinPercentage(1e-9));
    assertThat(ratio.ciLowerAbs()).isCloseTo(welch.ciLowerZ(), within(1e-10));
  }

  @Test
  void ratioMetric_denominatorSumsToZero_rejectedNamingTheArm() {
    RatioStats zeroDen = RatioStats.fromValues(new double[] {1, 2, 3}, new double[] {0, 0, 0});
    RatioStats ok = RatioStats.fromValues(new double[] {1, 2, 3}, new double[] {1, 1, 2});

    assertThatThrownBy(() -> RatioComparison.compare(ok, zeroDen, 0.05))
        .hasMessageContaining("denominator").hasMessageContaining("treatment");
    assertThatThrownBy(() -> RatioStats.fromValues(new double[] {1}, new double[] {1, 2}))
        .hasMessageContaining("differ in length");
  }

  @Test
  void cuped_constantCovariate_noAdjustmentAndSaysWhy() {
    double[] ya = {1, 3, 2, 5, 4};
    double[] yb = {2, 6, 3, 4, 7, 5};
    double[] xa = new double[ya.length];
    double[] xb = new double[yb.length];
    Arrays.fill(xa, 7);
    Arrays.fill(xb, 7);

    Cuped c = Cuped.adjust(CupedStats.fromValues(ya, xa), CupedStats.fromValues(yb, xb), 0.05);

    assertThat(c.theta()).isZero();
    assertThat(c.missing()).get().asString().contains("covariate has zero variance");
    assertThat(c.diffAdjusted()).isCloseTo(c.unadjusted().diff(), within(1e-12));
    assertThat(c.varianceReduction()).isCloseTo(0.0, within(1e-12));
  }

  @Test
  void cuped_knownCorrelation_reductionIsRhoSquaredAndUnadjustedReportedBeside() {
    // y = x + e with Var(x) = 4, Var(e) = 1: ρ² = 0.8.
    SplittableRandom rnd = new SplittableRandom(11);
    CupedStats a = linear(rnd, 20_000, 0.0);
    CupedStats b = linear(rnd, 20_000, 0.05);

    Cuped c = Cuped.adjust(a, b, 0.05);

    assertThat(c.varianceReduction()).isCloseTo(0.8, within(0.01));
    assertThat(c.theta()).isCloseTo(1.0, within(0.02));
    assertThat(c.unadjusted().se()).isGreaterThan(2 * c.seAdjusted());
    assertThat(c.effectiveSampleMultiplier()).isCloseTo(5.0, within(0.3));
  }

  @Test
  void bayesian_normalPrior_shrinksByPrecisionWeights() {
    // Estimate 0.02 (se 0.01) with prior N(0, 0.01²): posterior N(0.01, 0.00005).
    BayesianGaussian r = BayesianGaussian.posterior(0.02, 0.01, 0, 1e-4, 0.05);

    assertThat(r.postMean()).isCloseTo(0.01, within(1e-15));
    assertThat(r.postSd()).isCloseTo(0.007071067811865475, within(1e-15));
    // SciPy: norm.cdf(√2) = 0.9213503964748575; sd·φ(u) ± m·Φ(±u).
    assertThat(r.chanceToWin()).isCloseTo(0.9213503964748575, within(1e-13));
    assertThat(r.riskControl()).isCloseTo(0.010251272708300063, within(1e-14));
    assertThat(r.riskTreatment()).isCloseTo(0.0002512727083000614, within(1e-14));
    assertThat(r.ciLower()).isCloseTo(0.01 - Z975 * 0.007071067811865475, within(1e-14));
    assertThat(r.prior()).startsWith("normal(");
  }

  @Test
  void bayesian_nonPositiveScale_rejectedNamingIt() {
    assertThatThrownBy(() -> BayesianGaussian.posterior(0.1, 0, 0, null, 0.05)).hasMessageContaining("se");
    assertThatThrownBy(() -> BayesianGaussian.posterior(0.1, 0.1, 0, 0.0, 0.05)).hasMessageContaining("prior");
  }

  @Test
  void multipleTesting_invalidPValue_rejectedNamingIndex_emptyFamilyIsEmpty() {
    assertThatThrownBy(() -> MultipleTesting.benjaminiHochberg(new double[] {0.1, Double.NaN}))
        .hasMessageContaining("p_values[1]");
    assertThatThrownBy(() -> MultipleTesting.holm(new double[] {1.5})).hasMessageContaining("p_values[0]");
    assertThat(MultipleTesting.bonferroni(new double[0])).isEmpty();
  }

  @Test
  void multipleTesting_handWorkedFamily() {
    double[] p = {0.01, 0.04, 0.03, 0.005, 0.5};

    // BH by the definition min_{j≥i} m·p_(j)/j; Holm max_{j≤i} (m−j+1)·p_(j).
    assertThat(MultipleTesting.benjaminiHochberg(p)).containsExactly(new double[] {0.025, 0.05, 0.05, 0.025, 0.5},
        within(1e-15));
    assertThat(MultipleTesting.holm(p)).containsExactly(new double[] {0.04, 0.09, 0.09, 0.025, 0.5},
        within(1e-15));
    assertThat(MultipleTesting.bonferroni(p)).containsExactly(new double[] {0.05, 0.2, 0.15, 0.025, 1.0},
        within(1e-15));
  }

  @Test
  void sampleSizeMeans_normalExactTAndCupedFactor() {
    SampleSize.Means m = SampleSize.means(1.0, 0.1, 0.05, 0.8, true, 1.0, 0.5);

    // SciPy: 2·(z_.975 + z_.8)²/0.01 = 1569.7759468698182; noncentral t root = 1570.7330430143
    // (R power.t.test(delta = 0.1, power = 0.8) gives 1570.733).
    assertThat(m.nA()).isCloseTo(1569.7759468698182, within(1e-8));
    assertThat(m.nACeil()).isEqualTo(1570);
    assertThat(m.nACuped()).isCloseTo(0.75 * 1569.7759468698182, within(1e-8));
    assertThat(m.nPerArmExactT()).isCloseTo(1570.7330430143, within(1e-5));
    assertThat(m.nPerArmExactTCeil()).isEqualTo(1571L);
  }

  @Test
  void sampleSizeMeans_invalidInputs_rejectedNamingField() {
    assertThatThrownBy(() -> SampleSize.means(1, 0, 0.05, 0.8, true, 1, 0)).hasMessageContaining("delta");
    assertThatThrownBy(() -> SampleSize.means(1, 0.1, 0.05, 1.0, true, 1, 0)).hasMessageContaining("power");
    assertThatThrownBy(() -> SampleSize.means(1, 0.1, 0.05, 0.8, true, 1, 1.0)).hasMessageContaining("cuped_rho");
    assertThatThrownBy(() -> SampleSize.means(-1, 0.1, 0.05, 0.8, true, 1, 0)).hasMessageContaining("sigma");
  }

  @Test
  void mdeMeans_normalApproximation_matchesScipyAndInvertsTheSampleSize() {
    // (norm.isf(0.025) + norm.isf(0.2)) * sqrt(2/64) = 0.4952549764499183 (SciPy).
    assertThat(SampleSize.mdeMeans(1, 64, 0.05, 0.8, true)).isCloseTo(0.4952549764499183, within(1e-12));
    // Inverse of the sample-size formula: the MDE at the computed n is the effect asked for.
    SampleSize.Means n = SampleSize.means(20, 1, 0.05, 0.8, true, 1, 0);
    assertThat(SampleSize.mdeMeans(20, n.nA(), 0.05, 0.8, true)).isCloseTo(1.0, within(1e-9));
    assertThatThrownBy(() -> SampleSize.mdeMeans(1, 0, 0.05, 0.8, true)).hasMessageContaining("nPerArm");
    assertThatThrownBy(() -> SampleSize.mdeMeans(1, 10, 0.05, 1.2, true)).hasMessageContaining("power");
  }

  @Test
  void sequentialInflation_obrienFlemingFiveLooks() {
    // Final O'Brien–Fleming boundary for K = 5, two-sided α = 0.05: 2.040 (Jennison & Turnbull,
    // Table 2.3). SciPy: ((2.04 + z_.8)/(z_.975 + z_.8))² = 1.0579523721631998.
    assertThat(SampleSize.sequentialInflation(2.04, 0.05, 0.8, true)).isCloseTo(1.0579523721631998, within(1e-12));
  }

  @Test
  void proportions_powerAtComputedSampleSize_isTheTargetPower() {
    for (double[] pq : new double[][] {{0.1, 0.12}, {0.5, 0.48}, {0.01, 0.013}}) {
      SampleSize.Proportions n = SampleSize.proportions(pq[0], pq[1], 0.05, 0.8, true);

      assertThat(SampleSize.powerProportionsUnpooled(pq[0], pq[1], n.unpooled(), 0.05, true))
          .as("p_a=%s p_b=%s", pq[0], pq[1]).isCloseTo(0.8, within(1e-3));
    }
  }

  private static CupedStats linear(SplittableRandom rnd, int n, double shift) {
    double[] x = new double[n];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = 10 + 2 * gaussian(rnd);
      y[i] = shift + x[i] + gaussian(rnd);
    }
    return CupedStats.fromValues(y, x);
  }

  private static double gaussian(SplittableRandom rnd) {
    double u = rnd.nextDouble();
    double v = rnd.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
  }
}
