package dev.assay.server.safety;

import java.util.Arrays;
import java.util.Optional;

/**
 * The exposure-anomaly rule (ADR 0033, docs/safety.md): an experiment's exposures in the last
 * complete hour against its own trailing hours. With the median {@code m} of the history and
 * {@code s = max(1.4826 × MAD, √max(m, 1))} (a robust spread, floored at the Poisson noise of a
 * count of {@code m}), the hour is a <b>drop</b> when {@code x < m − K·s} and a <b>spike</b> when
 * {@code x > m + K·s}, with {@code K = }{@value #K}. It is judged only with at least {@value
 * #MIN_HISTORY} hours of history; at most {@value #HISTORY} are used.
 */
public final class ExposureAnomaly {
  /** Spreads from the median that make an anomaly. */
  public static final double K = 5;
  /** Fewest trailing hours judged. */
  public static final int MIN_HISTORY = 12;
  /** Most trailing hours used. */
  public static final int HISTORY = 24;

  private ExposureAnomaly() {}

  /** A drop or spike: the hour's count, the history's median and spread, and the bounds it crossed. */
  public record Anomaly(String kind, long count, double median, double spread, double lower, double upper,
      int historyHours) {}

  /**
   * @param history the exposures of the trailing complete hours, any order
   * @param count the exposures of the hour judged
   */
  public static Optional<Anomaly> judge(long[] history, long count) {
    if (history.length < MIN_HISTORY) {
      return Optional.empty();
    }
    long[] h = Arrays.copyOfRange(history, Math.max(0, history.length - HISTORY), history.length);
    double m = median(Arrays.stream(h).asDoubleStream().toArray());
    double mad = median(Arrays.stream(h).asDoubleStream().map(v -> Math.abs(v - m)).toArray());
    double s = Math.max(1.4826 * mad, Math.sqrt(Math.max(m, 1)));
    double lower = m - K * s;
    double upper = m + K * s;
    if (count < lower) {
      return Optional.of(new Anomaly("drop", count, m, s, lower, upper, h.length));
    }
    if (count > upper) {
      return Optional.of(new Anomaly("spike", count, m, s, lower, upper, h.length));
    }
    return Optional.empty();
  }

  static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }
}
