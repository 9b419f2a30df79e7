package dev.assay.stats;

/** Argument checks shared by the engine, each naming the argument in its message. */
final class Checks {
  private Checks() {}

  static double alpha(double alpha) {
    if (!(alpha > 0 && alpha < 1)) {
      throw new StatsException("alpha must be in (0, 1), got " + alpha);
    }
    return alpha;
  }

  static double probability(String name, double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new StatsException(name + " must be in [0, 1], got " + p);
    }
    return p;
  }

  static double positive(String name, double v) {
    if (!(v > 0) || Double.isInfinite(v)) {
      throw new StatsException(name + " must be positive and finite, got " + v);
    }
    return v;
  }

  static long count(String name, long n) {
    if (n < 0) {
      throw new StatsException(name + " must not be negative, got " + n);
    }
    return n;
  }
}
