package dev.assay.stats;

/** Compensated (Kahan–Babuška/Neumaier) summation, so long sums keep their low-order digits. */
final class Sums {
  private Sums() {}

  static double kahan(double[] values) {
    double sum = 0.0;
    double c = 0.0;
    for (double v : values) {
      double t = sum + v;
      if (Math.abs(sum) >= Math.abs(v)) {
        c += (sum - t) + v;
      } else {
        c += (v - t) + sum;
      }
      sum = t;
    }
    return sum + c;
  }

  /** Σ x_i y_i, compensated. */
  static double kahanProduct(double[] x, double[] y) {
    double[] p = new double[x.length];
    for (int i = 0; i < p.length; i++) {
      p[i] = x[i] * y[i];
    }
    return kahan(p);
  }
}
