package dev.assay.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Edge cases of the fixed-horizon methods: missing values are explained, never silent NaN. */
class FixedHorizonTest {

  @Test
  void welch_singleUnitInAnArm_explainsWhyThereIsNoInference() {
    MeanDifference r = MeanDifference.welch(new SampleStats(1, 3.0, Double.NaN), new SampleStats(50, 3.2, 1.0), 0.05);

    assertThat(r.missing()).get().asString().contains("n < 2").contains("control");
    assertThat(r.pValue()).isNaN();
    assertThat(r.diff()).isCloseTo(0.2, within(1e-12));
  }

  @Test
  void welch_zeroVarianceInBothArms_explained() {
    MeanDifference r = MeanDifference.welch(new SampleStats(10, 1, 0), new SampleStats(10, 1, 0), 0.05);

    assertThat(r.missing()).get().asString().contains("zero variance");
  }

  @Test
  void welch_billionUnitsHugeEffect_pValueStaysPositiveNear1eMinus300() {
    // t = 37: 2·Φ(−37) = erfc(37/√2) = 1.1451142445050278e-299 (Python math.erfc, C libm). The t tail
    // with df = 2e9 is heavier by about t⁴/(4·df) = 2.3e-4 relative.
    double se = 1e-3;
    double diff = 37 * se;
    double var = se * se / 2 * 1e9;
    MeanDifference r = MeanDifference.welch(new SampleStats(1_000_000_000L, 0, var),
        new SampleStats(1_000_000_000L, diff, var), 0.05);

    assertThat(r.t()).isCloseTo(37.0, within(1e-9));
    assertThat(r.pValueZ()).isCloseTo(1.1451142445050278e-299, org.assertj.core.api.Assertions.withinPercentage(1e-9));
    assertThat(r.pValue()).isGreaterThan(r.pValueZ()).isCloseTo(1.1451142445050278e-299 * (1 + 2.34e-4),
        org.assertj.core.api.Assertions.withinPercentage(0.002));
  }

  @Test
  void sampleStats_fromValuesAtLargeOffset_keepsPrecisionThatOnePassSumsLose() {
    double[] v = new double[1000];
    for (int i = 0; i < v.length; i++) {
      v[i] = 1e9 + (i % 2 == 0 ? 1 : -1);
    }

    assertThat(SampleStats.fromValues(v).variance()).isCloseTo(1000.0 / 999.0, within(1e-9));
  }

  @Test
  void relativeLift_controlMeanZero_undefinedWithReason() {
    RelativeLift r = RelativeLift.compute(0, 0.1, 1, 0.1, 10, 0.05);

    assertThat(r.missing()).get().asString().contains("control mean is 0");
    assertThat(r.ciLowerFieller()).isNull();
  }

  @Test
  void twoProportions_invalidCounts_rejectedNamingThem() {
    assertThatThrownBy(() -> TwoProportions.compare(10, 11, 10, 5, 0.05)).hasMessageContaining("x_a=11");
    assertThatThrownBy(() -> TwoProportions.compare(10, 1, 10, 5, 1.5)).hasMessageContaining("alpha");
  }

  @Test
  void betaBinomial_identicalArms_halfAndSymmetricLoss() {
    BetaBinomial r = BetaBinomial.compare(30, 300, 30, 300, 1, 1);

    assertThat(r.probBBeatsA()).isCloseTo(0.5, within(1e-12));
    assertThat(r.expectedLossChooseA()).isCloseTo(r.expectedLossChooseB(), within(1e-14));
  }

  @Test
  void bayesian_flatPrior_chanceToWinIsNormalCdfOfZ() {
    BayesianGaussian r = BayesianGaussian.posterior(0.0196, 0.01, 0, null, 0.05);

    // Φ(1.96) = 0.9750021048517795 (R: pnorm(1.96)).
    assertThat(r.chanceToWin()).isCloseTo(0.9750021048517795, within(1e-12));
    assertThat(r.prior()).isEqualTo("flat");
  }

  @Test
  void nonInferiority_smallDegradationWithinMargin_isNonInferior() {
    SampleStats control = new SampleStats(100_000, 200.0, 2500.0);
    SampleStats slower = new SampleStats(100_000, 200.5, 2500.0);

    NonInferiority ok = NonInferiority.test(control, slower, 2.0, false, 0.05);
    NonInferiority bad = NonInferiority.test(control, new SampleStats(100_000, 203.0, 2500.0), 2.0, false, 0.05);

    assertThat(ok.nonInferior()).isTrue();
    assertThat(ok.bound()).isLessThan(2.0);
    assertThat(bad.nonInferior()).isFalse();
  }

  @Test
  void winsorization_capFromPooledValues_type7Percentile() {
    double[] pooled = {1, 2, 3, 4, 100};

    // NumPy: np.percentile([1,2,3,4,100], 90) = 61.6
    assertThat(Winsorization.percentileCap(pooled, 0.9, false)).isCloseTo(61.6, within(1e-12));
    assertThat(Winsorization.cap(pooled, 61.6)).containsExactly(1, 2, 3, 4, 61.6);
    assertThatThrownBy(() -> Winsorization.percentileCap(pooled, 0, false)).hasMessageContaining("percentile");
  }

  @Test
  void mdeRelative_tooFewUnits_noDetectableLift() {
    double[] r = SampleSize.mdeRelative(0.01, 1.0, 10, 0.05, 0.8);

    assertThat(r[0]).isNaN();
  }

  @Test
  void powerT_atExactSampleSize_reachesTargetPower() {
    // pwr.t.test(d = 0.5, power = 0.8) gives n = 63.76561 per group.
    assertThat(SampleSize.powerT(0.5, 63.76561, 0.05, true)).isCloseTo(0.8, within(1e-6));
  }

  // ---- properties (seeded) ----

  @Test
  void aaSimulation_welchFalsePositiveRateIsAlphaWithinBinomialError() {
    SplittableRandom rnd = new SplittableRandom(20261123L);
    int experiments = 4000;
    int rejections = 0;
    for (int e = 0; e < experiments; e++) {
      double[] a = new double[100];
      double[] b = new double[140];
      for (int i = 0; i < a.length; i++) {
        a[i] = Math.exp(gaussian(rnd));
      }
      for (int i = 0; i < b.length; i++) {
        b[i] = Math.exp(gaussian(rnd));
      }
      if (MeanDifference.welch(SampleStats.fromValues(a), SampleStats.fromValues(b), 0.05).pValue() < 0.05) {
        rejections++;
      }
    }
    // Binomial(4000, 0.05): mean 200, sd 13.8. Lognormal data at n=100 run slightly liberal/conservative;
    // allow 4 sd.
    assertThat(rejections).isBetween(200 - 55, 200 + 55);
  }

  @Test
  void benjaminiHochberg_randomFamilies_monotoneAndBetweenRawAndHolm() {
    SplittableRandom rnd = new SplittableRandom(7);
    for (int trial = 0; trial < 500; trial++) {
      int m = 1 + rnd.nextInt(40);
      double[] p = new double[m];
      for (int i = 0; i < m; i++) {
        p[i] = rnd.nextInt(10) == 0 ? rnd.nextDouble() * 1e-4 : rnd.nextDouble();
      }
      double[] bh = MultipleTesting.benjaminiHochberg(p);
      double[] holm = MultipleTesting.holm(p);
      double[] bonf = MultipleTesting.bonferroni(p);
      for (int i = 0; i < m; i++) {
        assertThat(bh[i]).isGreaterThanOrEqualTo(p[i]).isLessThanOrEqualTo(holm[i] + 1e-15);
        assertThat(holm[i]).isLessThanOrEqualTo(bonf[i] + 1e-15);
        for (int j = 0; j < m; j++) {
          if (p[i] <= p[j]) {
            assertThat(bh[i]).isLessThanOrEqualTo(bh[j]);
          }
        }
      }
    }
  }

  @Test
  void cuped_estimatedTheta_neverIncreasesVarianceBeyondSamplingNoise() {
    SplittableRandom rnd = new SplittableRandom(99);
    for (int trial = 0; trial < 300; trial++) {
      double rho = rnd.nextDouble() * 2 - 1;
      int na = 200 + rnd.nextInt(2000);
      int nb = 200 + rnd.nextInt(2000);
      Cuped c = Cuped.adjust(correlated(rnd, na, rho, 0), correlated(rnd, nb, rho, 0.1), 0.05);
      // With θ fitted on the pooled sample, VR ≥ −O(1/n).
      assertThat(c.varianceReduction()).as("rho %s", rho).isGreaterThan(-10.0 / Math.min(na, nb));
      assertThat(c.varianceReduction()).isCloseTo(rho * rho, within(0.15));
    }
  }

  private static CupedStats correlated(SplittableRandom rnd, int n, double rho, double shift) {
    double[] x = new double[n];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      double z1 = gaussian(rnd);
      double z2 = gaussian(rnd);
      x[i] = 5 + z1;
      y[i] = 5 + shift + rho * z1 + Math.sqrt(1 - rho * rho) * z2;
    }
    return CupedStats.fromValues(y, x);
  }

  private static double gaussian(SplittableRandom rnd) {
    double u = rnd.nextDouble();
    double v = rnd.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
  }
}
