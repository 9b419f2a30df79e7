package dev.assay.stats;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Multiple-testing adjustments of a family of p-values, returned in the input order: Bonferroni
 * and Holm control the family-wise error rate, Benjamini–Hochberg the false discovery rate (valid
 * under independence or positive dependence). Adjusted values are never below the raw ones and
 * BH values are monotone in the raw ones.
 */
public final class MultipleTesting {

  /** The available corrections. */
  public enum Method {
    NONE,
    BONFERRONI,
    HOLM,
    BENJAMINI_HOCHBERG
  }

  private MultipleTesting() {}

  public static double[] adjust(Method method, double[] p) {
    return switch (method) {
      case NONE -> p.clone();
      case BONFERRONI -> bonferroni(p);
      case HOLM -> holm(p);
      case BENJAMINI_HOCHBERG -> benjaminiHochberg(p);
    };
  }

  public static double[] bonferroni(double[] p) {
    check(p);
    return Arrays.stream(p).map(x -> Math.min(1.0, p.length * x)).toArray();
  }

  /** Holm's step-down: p̃_(i) = max_{j≤i} min(1, (m − j + 1)·p_(j)). */
  public static double[] holm(double[] p) {
    check(p);
    int m = p.length;
    int[] order = ascending(p);
    double[] out = new double[m];
    double running = 0;
    for (int rank = 0; rank < m; rank++) {
      int i = order[rank];
      running = Math.max(running, Math.min(1.0, (m - rank) * p[i]));
      out[i] = running;
    }
    return out;
  }

  /** Benjamini–Hochberg step-up: p̃_(i) = min_{j≥i} min(1, m·p_(j)/j). */
  public static double[] benjaminiHochberg(double[] p) {
    check(p);
    int m = p.length;
    int[] order = ascending(p);
    double[] out = new double[m];
    double running = 1.0;
    for (int rank = m - 1; rank >= 0; rank--) {
      int i = order[rank];
      running = Math.min(running, Math.min(1.0, p[i] * ((double) m / (rank + 1))));
      out[i] = running;
    }
    return out;
  }

  private static int[] ascending(double[] p) {
    return IntStream.range(0, p.length).boxed()
        .sorted(Comparator.comparingDouble(i -> p[i]))
        .mapToInt(Integer::intValue).toArray();
  }

  private static void check(double[] p) {
    for (int i = 0; i < p.length; i++) {
      if (!(p[i] >= 0 && p[i] <= 1)) {
        throw new StatsException("p_values[" + i + "] must be in [0, 1], got " + p[i]);
      }
    }
  }
}
