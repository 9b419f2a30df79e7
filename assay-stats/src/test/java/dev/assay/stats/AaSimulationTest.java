package dev.assay.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded A/A simulations beyond the plain Welch test: with no true effect, CUPED with an estimated
 * θ, the two-proportion z-test, and the whole analysis with its always-valid headline must reject
 * at most α of the time (within binomial error).
 */
class AaSimulationTest {

  private static final double ALPHA = 0.05;

  /** Rejections must lie within 4 binomial standard deviations of α·runs (or below, if conservative). */
  private static void assertRateAtMostAlpha(int rejections, int runs, boolean exact) {
    double mean = ALPHA * runs;
    double sd = Math.sqrt(runs * ALPHA * (1 - ALPHA));
    assertThat((double) rejections).isLessThanOrEqualTo(mean + 4 * sd);
    if (exact) {
      assertThat((double) rejections).isGreaterThanOrEqualTo(mean - 4 * sd);
    }
  }

  @Test
  void cuped_estimatedTheta_aaFalsePositiveRateIsAlpha() {
    SplittableRandom rnd = new SplittableRandom(1201L);
    int runs = 3000;
    int rejections = 0;
    for (int e = 0; e < runs; e++) {
      double[][] a = correlatedArm(rnd, 200, 0.7);
      double[][] b = correlatedArm(rnd, 200, 0.7);
      Cuped c = Cuped.adjust(CupedStats.fromValues(a[0], a[1]), CupedStats.fromValues(b[0], b[1]), ALPHA);
      rejections += c.pValueAdjustedT() < ALPHA ? 1 : 0;
    }
    assertRateAtMostAlpha(rejections, runs, true);
  }

  @Test
  void twoProportions_aaFalsePositiveRateIsAlpha() {
    SplittableRandom rnd = new SplittableRandom(1202L);
    int runs = 3000;
    int rejections = 0;
    for (int e = 0; e < runs; e++) {
      long xA = binomial(rnd, 2000, 0.1);
      long xB = binomial(rnd, 2000, 0.1);
      rejections += TwoProportions.compare(2000, xA, 2000, xB, ALPHA).pValueUnpooled() < ALPHA ? 1 : 0;
    }
    assertRateAtMostAlpha(rejections, runs, true);
  }

  @Test
  void analysis_aaWithPeekingEveryDay_alwaysValidHeadlineRejectsAtMostAlpha() {
    // Thirty daily looks at a growing A/A experiment, each folded into the running state. A
    // fixed-horizon p-value checked this way rejects far more often; the always-valid one may
    // not exceed α.
    SplittableRandom rnd = new SplittableRandom(1203L);
    int runs = 300;
    int days = 30;
    int perDay = 100;
    AnalysisSettings s = new AnalysisSettings(AnalysisSettings.Engine.FREQUENTIST, ALPHA, true, false,
        MultipleTesting.Method.NONE, 2L * days * perDay, 0, null);
    int alwaysValid = 0;
    int naive = 0;
    for (int e = 0; e < runs; e++) {
      double[] sums = new double[4]; // Σy and Σy² per arm
      long n = 0;
      java.util.Map<ExperimentAnalysis.Key, AlwaysValidState> state = java.util.Map.of();
      boolean rejectedAv = false;
      boolean rejectedNaive = false;
      for (int d = 0; d < days; d++) {
        for (int i = 0; i < perDay; i++) {
          double ya = rnd.nextGaussian();
          double yb = rnd.nextGaussian();
          sums[0] += ya;
          sums[1] += ya * ya;
          sums[2] += yb;
          sums[3] += yb * yb;
        }
        n += perDay;
        MetricData m = new MetricData("y", MetricData.Type.MEAN, true, MetricData.Role.GOAL,
            List.of(new CupedStats(n, sums[0], 0, sums[1], 0, 0), new CupedStats(n, sums[2], 0, sums[3], 0, 0)), null);
        ExperimentAnalysis a = ExperimentAnalysis.analyze(List.of("a", "b"), new long[] {n, n},
            new double[] {0.5, 0.5}, List.of(m), s, state);
        MetricResult r = a.results().get(0);
        rejectedAv |= r.pValue() < ALPHA;
        rejectedNaive |= r.fixedHorizonPValue() < ALPHA;
        state = a.runningStates();
      }
      alwaysValid += rejectedAv ? 1 : 0;
      naive += rejectedNaive ? 1 : 0;
    }
    assertRateAtMostAlpha(alwaysValid, runs, false);
    assertThat(naive).as("daily peeking at fixed-horizon p-values inflates the error").isGreaterThan(
        (int) (2 * ALPHA * runs));
  }

  /** y and a pre-period x with correlation rho, both standard normal. */
  private static double[][] correlatedArm(SplittableRandom rnd, int n, double rho) {
    double[] y = new double[n];
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = rnd.nextGaussian();
      y[i] = rho * x[i] + Math.sqrt(1 - rho * rho) * rnd.nextGaussian();
    }
    return new double[][] {y, x};
  }

  private static long binomial(SplittableRandom rnd, int n, double p) {
    long x = 0;
    for (int i = 0; i < n; i++) {
      x += rnd.nextDouble() < p ? 1 : 0;
    }
    return x;
  }
}
