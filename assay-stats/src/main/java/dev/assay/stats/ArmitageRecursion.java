package dev.assay.stats;

import org.hipparchus.analysis.solvers.BrentSolver;

/**
 * Boundaries of a group sequential test by numerical integration of the joint distribution of the
 * cumulative z-statistics.
 */
final class ArmitageRecursion {

  /*
   * Armitage, McPherson & Rowe, "Repeated significance tests on accumulating data", JRSS A 132
   * (1969); the form used here is Jennison & Turnbull, "Group Sequential Methods with Applications
   * to Clinical Trials" (2000), §19.2. Under no effect the score S_k = Z_k·√t_k has independent
   * N(0, t_k − t_{k−1}) increments, so Z_k | Z_{k−1} = u is N(u·√(t_{k−1}/t_k), 1 − t_{k−1}/t_k).
   * Let f_{k−1} be the sub-density of Z_{k−1} over paths that have not crossed any boundary yet.
   * Then
   *
   *   P(first crossing at k) = ∫ f_{k−1}(u) · [Φ̄((c√t_k − u√t_{k−1})/√Δ)
   *                                            + Φ((−c√t_k − u√t_{k−1})/√Δ) if two-sided] du,
   *   f_k(z) = ∫ f_{k−1}(u) · (√t_k/√Δ) φ((z√t_k − u√t_{k−1})/√Δ) du   over the continuation region,
   *
   * with Δ = t_k − t_{k−1}. Each c_k solves P(first crossing at k) = α(t_k) − α(t_{k−1}) (Lan &
   * DeMets, Biometrika 70, 1983). Integrals use composite Simpson's rule on a uniform grid over
   * the continuation region; for one-sided designs the region is truncated below at −8, the
   * convention of R ldbounds and Spotify Confidence (mass below is < 1e-15).
   */

  private static final double LOWER_TRUNCATION = -8.0;
  private static final double UPPER_TRUNCATION = 12.0;
  private static final double MAX_STEP = 0.004;
  private static final int MAX_POINTS = 12001;

  private ArmitageRecursion() {}

  /**
   * Boundaries for cumulative spending {@code spent[k]} at fractions {@code t[k]}; +∞ where a look
   * spends nothing.
   */
  static double[] boundaries(double[] t, double[] spent, int sides) {
    int looks = t.length;
    double[] c = new double[looks];
    double previousSpent = 0;
    // The grid and density of the previous look; empty before the first look (never read there).
    double[] grid = new double[0];
    double[] weightedDensity = new double[0];
    double previousT = 0;
    BrentSolver solver = new BrentSolver(1e-12, 1e-11);
    for (int k = 0; k < looks; k++) {
      double increment = spent[k] - previousSpent;
      if (k == 0) {
        c[0] = increment > 0 ? NormalTails.upperQuantile(increment / sides) : Double.POSITIVE_INFINITY;
      } else if (increment <= 1e-300) {
        c[k] = Double.POSITIVE_INFINITY;
      } else {
        double[] g = grid;
        double[] wf = weightedDensity;
        double sPrev = Math.sqrt(previousT);
        double sNow = Math.sqrt(t[k]);
        double sd = Math.sqrt(t[k] - previousT);
        double lowStart = sides == 2 ? 0.0 : LOWER_TRUNCATION;
        double exitAtLow = exitProbability(g, wf, lowStart, sPrev, sNow, sd, sides);
        if (exitAtLow <= increment) {
          c[k] = lowStart;
        } else {
          c[k] =
              solver.solve(
                  500,
                  x -> exitProbability(g, wf, x, sPrev, sNow, sd, sides) - increment,
                  lowStart,
                  UPPER_TRUNCATION * 3);
        }
      }
      previousSpent = Math.max(previousSpent, spent[k]);
      if (k + 1 < looks) {
        double upper = Math.min(c[k], UPPER_TRUNCATION);
        double lower = sides == 2 ? -upper : LOWER_TRUNCATION;
        double kernelWidth =
            Math.min(
                Math.sqrt(t[k + 1] - t[k]) / Math.sqrt(t[k]),
                k == 0 ? 1.0 : Math.sqrt(t[k] - t[k - 1]) / Math.sqrt(t[k]));
        double step = Math.min(MAX_STEP, kernelWidth / 10.0);
        int intervals = (int) Math.ceil((upper - lower) / step);
        intervals += intervals % 2;
        intervals = Math.max(2, Math.min(intervals, MAX_POINTS - 1));
        double[] nextGrid = new double[intervals + 1];
        double h = (upper - lower) / intervals;
        for (int i = 0; i <= intervals; i++) {
          nextGrid[i] = lower + i * h;
        }
        double[] density;
        if (k == 0) {
          density = new double[nextGrid.length];
          for (int i = 0; i < density.length; i++) {
            density[i] = NormalTails.pdf(nextGrid[i]);
          }
        } else {
          density =
              density(grid, weightedDensity, nextGrid, Math.sqrt(t[k - 1]), Math.sqrt(t[k]));
        }
        double[] weighted = new double[density.length];
        for (int i = 0; i < density.length; i++) {
          weighted[i] = density[i] * simpsonWeight(i, density.length, h);
        }
        grid = nextGrid;
        weightedDensity = weighted;
        previousT = t[k];
      }
    }
    return c;
  }

  private static double exitProbability(
      double[] grid, double[] weightedDensity, double c, double sPrev, double sNow, double sd,
      int sides) {
    double sum = 0;
    for (int i = 0; i < grid.length; i++) {
      double mean = grid[i] * sPrev;
      double tail = NormalTails.sf((c * sNow - mean) / sd);
      if (sides == 2) {
        tail += NormalTails.sf((c * sNow + mean) / sd);
      }
      sum += weightedDensity[i] * tail;
    }
    return sum;
  }

  private static double[] density(
      double[] grid, double[] weightedDensity, double[] nextGrid, double sPrev, double sNow) {
    double sd = Math.sqrt(sNow * sNow - sPrev * sPrev);
    double scale = sNow / sd;
    double[] out = new double[nextGrid.length];
    for (int j = 0; j < nextGrid.length; j++) {
      double zs = nextGrid[j] * sNow;
      double sum = 0;
      for (int i = 0; i < grid.length; i++) {
        double x = (zs - grid[i] * sPrev) / sd;
        if (x > -40 && x < 40) {
          sum += weightedDensity[i] * NormalTails.pdf(x);
        }
      }
      out[j] = sum * scale;
    }
    return out;
  }

  private static double simpsonWeight(int i, int n, double h) {
    if (i == 0 || i == n - 1) {
      return h / 3.0;
    }
    return (i % 2 == 1 ? 4.0 : 2.0) * h / 3.0;
  }
}
