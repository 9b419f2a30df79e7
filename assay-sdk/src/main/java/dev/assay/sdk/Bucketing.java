package dev.assay.sdk;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/** Bucket ranges, variation choice and namespaces, as the GrowthBook specification defines them. */
final class Bucketing {

  private Bucketing() {}

  /** Equal weights for {@code n} variations; empty for {@code n <= 0}. */
  static double[] equalWeights(int n) {
    if (n <= 0) {
      return new double[0];
    }
    double[] w = new double[n];
    Arrays.fill(w, 1.0 / n);
    return w;
  }

  /**
   * The range of each variation: consecutive slices of [0, 1] sized by weight, each shrunk to
   * {@code coverage} of its slice. Coverage is clamped to [0, 1]; weights fall back to equal when
   * their count is wrong or they do not sum to 1 within [0.99, 1.01] (the specification's rule).
   */
  static BucketRange[] ranges(int numVariations, double coverage, double @Nullable [] weights) {
    double c = coverage < 0 ? 0 : Math.min(coverage, 1);
    double[] equal = equalWeights(numVariations);
    double[] w = weights == null || weights.length != numVariations ? equal : weights;
    double total = 0;
    for (double x : w) {
      total += x;
    }
    if (total < 0.99 || total > 1.01) {
      w = equal;
    }
    BucketRange[] out = new BucketRange[w.length];
    double cumulative = 0;
    for (int i = 0; i < w.length; i++) {
      double start = cumulative;
      cumulative += w[i];
      out[i] = new BucketRange(clamp(start), clamp(start + c * w[i]));
    }
    return out;
  }

  private static double clamp(double x) {
    return x < 0 ? 0 : Math.min(x, 1);
  }

  /** The index of the first range containing {@code n}, or -1. */
  static int chooseVariation(double n, BucketRange[] ranges) {
    for (int i = 0; i < ranges.length; i++) {
      if (ranges[i].contains(n)) {
        return i;
      }
    }
    return -1;
  }

  static boolean inRange(double n, BucketRange range) {
    return range.contains(n);
  }

  /** Whether a unit is inside a namespace's slice: hash with seed {@code "__" + id}, version 1. */
  static boolean inNamespace(String hashValue, Namespace ns) {
    double n = Hashing.hashV1(hashValue, "__", ns.id());
    return n >= ns.start() && n < ns.end();
  }

  /** A namespace (layer): experiments in one namespace reserve disjoint {@code [start, end)}. */
  record Namespace(String id, double start, double end) {}
}
