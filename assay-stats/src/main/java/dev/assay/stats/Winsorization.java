package dev.assay.stats;

import java.util.Arrays;

/**
 * Capping of unit-level values. The cap is computed once on the values of all arms pooled (never
 * per arm, which would bias the comparison) and then applied to each arm. Capping changes the
 * estimand: report capped metrics as such.
 */
public final class Winsorization {
  private Winsorization() {}

  /**
   * The cap at a percentile of the pooled values, by linear interpolation between order statistics
   * (type 7, as R and NumPy default). Statsig's convention, {@code nonZeroOnly}, ignores zeros.
   */
  public static double percentileCap(double[] pooled, double percentile, boolean nonZeroOnly) {
    if (!(percentile > 0 && percentile <= 1)) {
      throw new StatsException("percentile must be in (0, 1], got " + percentile);
    }
    double[] v = Arrays.stream(pooled).filter(x -> !Double.isNaN(x) && (!nonZeroOnly || x != 0)).sorted().toArray();
    if (v.length == 0) {
      throw new StatsException("no values to compute a cap from");
    }
    double h = (v.length - 1) * percentile;
    int lo = (int) Math.floor(h);
    int hi = Math.min(v.length - 1, lo + 1);
    return v[lo] + (h - lo) * (v[hi] - v[lo]);
  }

  /** Values with everything above {@code cap} replaced by {@code cap} (a new array). */
  public static double[] cap(double[] values, double cap) {
    return Arrays.stream(values).map(x -> Math.min(x, cap)).toArray();
  }
}
