package dev.assay.server.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The noise of the differentially private export: its scale from the textbook formulas (Dwork &amp;
 * Roth 2014: Laplace b = Δ/ε, Gaussian σ = Δ·sqrt(2 ln(1.25/δ))/ε, checked against hand-computed
 * values) and its draws, whose empirical variance must match 2b² and σ². The tolerance is five
 * standard errors of the sample variance from its sampling distribution, Var(s²) ≈ (μ₄ − σ⁴)/N:
 * for Laplace μ₄ = 24b⁴, so SE = b²·sqrt(20/N); for Gaussian SE = σ²·sqrt(2/N). A seeded source
 * keeps the test deterministic; five SE make a false failure a ~6e-7 event for any seed.
 */
class DpMechanismTest {
  private static final int N = 200_000;

  @Test
  void scale_matchesTheFormulas_atHandComputedValues() {
    assertThat(DpExport.scale(DpExport.Mechanism.LAPLACE, 1, 0.5, 0)).isEqualTo(2.0);
    assertThat(DpExport.scale(DpExport.Mechanism.LAPLACE, 10, 0.4 / 6, 0)).isCloseTo(150.0, within(1e-9));
    // 2·sqrt(2·ln(1.25e5))/0.5, computed by hand (Python): 19.379221050421556
    assertThat(DpExport.scale(DpExport.Mechanism.GAUSSIAN, 2, 0.5, 1e-5)).isCloseTo(19.379221050421556, within(1e-9));
    assertThat(DpExport.Sensitivity.of(new PrivacySettings.ClipBound(-3, 2)))
        .isEqualTo(new DpExport.Sensitivity(1, 3, 9));
  }

  @Test
  void laplace_empiricalVarianceIsTwoBSquared_andMeanAbsoluteDeviationIsB() {
    double b = DpExport.scale(DpExport.Mechanism.LAPLACE, 1, 0.5, 0);
    double[] x = draws(DpExport.Mechanism.LAPLACE, b, new SplittableRandom(20));
    double se = b * b * Math.sqrt(20.0 / N);

    assertThat(variance(x)).isCloseTo(2 * b * b, within(5 * se));
    assertThat(DpExport.Mechanism.LAPLACE.variance(b)).isEqualTo(2 * b * b);
    assertThat(mean(x)).isCloseTo(0, within(5 * Math.sqrt(2 * b * b / N)));
    // E|X| = b for Laplace; a Gaussian of the same variance 2b² would give b·sqrt(4/π) ≈ 1.128 b.
    // Var|X| = b² for Laplace, so 5 SE is 5b/sqrt(N).
    double mad = 0;
    for (double v : x) {
      mad += Math.abs(v);
    }
    assertThat(mad / N).isCloseTo(b, within(5 * b / Math.sqrt(N)));
  }

  @Test
  void gaussian_empiricalVarianceIsSigmaSquared() {
    double sigma = DpExport.scale(DpExport.Mechanism.GAUSSIAN, 2, 0.5, 1e-5);
    double[] x = draws(DpExport.Mechanism.GAUSSIAN, sigma, new SplittableRandom(21));
    double se = sigma * sigma * Math.sqrt(2.0 / N);

    assertThat(variance(x)).isCloseTo(sigma * sigma, within(5 * se));
    assertThat(DpExport.Mechanism.GAUSSIAN.variance(sigma)).isEqualTo(sigma * sigma);
    assertThat(mean(x)).isCloseTo(0, within(5 * sigma / Math.sqrt(N)));
  }

  private static double[] draws(DpExport.Mechanism m, double scale, SplittableRandom random) {
    double[] x = new double[N];
    for (int i = 0; i < N; i++) {
      x[i] = m.draw(scale, random);
    }
    return x;
  }

  private static double mean(double[] x) {
    double s = 0;
    for (double v : x) {
      s += v;
    }
    return s / x.length;
  }

  private static double variance(double[] x) {
    double m = mean(x);
    double s = 0;
    for (double v : x) {
      s += (v - m) * (v - m);
    }
    return s / (x.length - 1);
  }
}
