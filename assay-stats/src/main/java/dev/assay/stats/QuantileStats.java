package dev.assay.stats;

import java.util.Arrays;
import java.util.Optional;

/**
 * The order statistics of one arm needed for a quantile metric (for example P90 page load time),
 * as a warehouse query returns them, plus optional per-unit sums for the cluster correction when
 * several observations (events) come from the same randomization unit.
 *
 * <p>Fetch the order statistics at the 1-based ranks given by {@link #ranks(long, double, double)}.
 *
 * @param level quantile level ν in (0, 1), e.g. 0.9
 * @param n observations (events) in the arm
 * @param estimate the sample quantile Y_(⌈nν⌉)
 * @param lowerOrderStatistic Y_(L), see {@link #ranks}
 * @param upperOrderStatistic Y_(U), see {@link #ranks}
 * @param alpha the level used for the ranks and the interval
 * @param clusters per-unit indicator sums for clustered data; empty if each unit contributes one
 *     observation
 */
public record QuantileStats(
    double level,
    long n,
    double estimate,
    double lowerOrderStatistic,
    double upperOrderStatistic,
    double alpha,
    Optional<Clusters> clusters) {

  public QuantileStats {
    if (!(level > 0 && level < 1)) {
      throw new StatsException("quantile level must be in (0, 1), got " + level);
    }
    if (n < 1) {
      throw new StatsException("n must be positive, got " + n);
    }
    if (!(alpha > 0 && alpha < 1)) {
      throw new StatsException("alpha must be in (0, 1), got " + alpha);
    }
    if (!Double.isFinite(estimate)
        || !Double.isFinite(lowerOrderStatistic)
        || !Double.isFinite(upperOrderStatistic)) {
      throw new StatsException("quantile order statistics must be finite");
    }
    if (!(lowerOrderStatistic <= estimate && estimate <= upperOrderStatistic)) {
      throw new StatsException(
          "order statistics must satisfy lower <= estimate <= upper, got "
              + lowerOrderStatistic
              + ", "
              + estimate
              + ", "
              + upperOrderStatistic);
    }
  }

  /**
   * Per-unit sums of I_ij = 1{Y_ij ≤ estimate} and of event counts c_i, over the G units of the
   * arm: Σ_i S_i, Σ_i S_i², Σ_i c_i, Σ_i c_i², Σ_i S_i c_i with S_i = Σ_j I_ij.
   */
  public record Clusters(
      long units,
      double sumIndicator,
      double sumIndicatorSquares,
      double sumEvents,
      double sumEventsSquares,
      double sumIndicatorEvents) {

    public Clusters {
      if (units < 2) {
        throw new StatsException("cluster correction needs at least 2 units, got " + units);
      }
      if (!(sumEvents > 0)) {
        throw new StatsException("sumEvents must be positive, got " + sumEvents);
      }
    }
  }

  /**
   * The 1-based ranks {@code [L, q, U]} of the order statistics to fetch: q = ⌈nν⌉ and
   * L, U = ⌈n(ν ∓ z_{1−α/2}·√(ν(1−ν)/n))⌉, each clamped to [1, n].
   */
  public static long[] ranks(long n, double level, double alpha) {
    double z = NormalTails.upperQuantile(alpha / 2.0);
    double spread = z * Math.sqrt(n * level * (1 - level));
    return new long[] {
      rank(n * level - spread, n), rank(n * level, n), rank(n * level + spread, n)
    };
  }

  private static long rank(double x, long n) {
    return Math.max(1, Math.min(n, (long) Math.ceil(x - 1e-9)));
  }

  /** Order statistics of an unclustered sample (one observation per unit). */
  public static QuantileStats fromSample(double[] values, double level, double alpha) {
    if (values.length == 0) {
      throw new StatsException("values must not be empty");
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    long[] r = ranks(sorted.length, level, alpha);
    return new QuantileStats(
        level,
        sorted.length,
        sorted[(int) r[1] - 1],
        sorted[(int) r[0] - 1],
        sorted[(int) r[2] - 1],
        alpha,
        Optional.empty());
  }

  /** Order statistics and cluster sums of a sample of units, each with one or more events. */
  public static QuantileStats fromUnits(double[][] eventsPerUnit, double level, double alpha) {
    int total = 0;
    for (double[] unit : eventsPerUnit) {
      total += unit.length;
    }
    double[] all = new double[total];
    int at = 0;
    for (double[] unit : eventsPerUnit) {
      System.arraycopy(unit, 0, all, at, unit.length);
      at += unit.length;
    }
    QuantileStats plain = fromSample(all, level, alpha);
    double s = 0;
    double s2 = 0;
    double c = 0;
    double c2 = 0;
    double sc = 0;
    for (double[] unit : eventsPerUnit) {
      int below = 0;
      for (double y : unit) {
        if (y <= plain.estimate()) {
          below++;
        }
      }
      s += below;
      s2 += (double) below * below;
      c += unit.length;
      c2 += (double) unit.length * unit.length;
      sc += (double) below * unit.length;
    }
    return new QuantileStats(
        level,
        total,
        plain.estimate(),
        plain.lowerOrderStatistic(),
        plain.upperOrderStatistic(),
        alpha,
        Optional.of(new Clusters(eventsPerUnit.length, s, s2, c, c2, sc)));
  }
}
