package dev.assay.server.safety;

import dev.assay.server.domain.DomainException;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * A circuit breaker on one flag or experiment: which operational signals trip it, and how
 * strict the evidence must be. Immutable; the constructor validates every field and names it.
 *
 * @param target what the breaker guards
 * @param key the flag's or experiment's key
 * @param errorRateMargin trip when a treatment's error rate exceeds control's by more than this
 *     (an absolute difference of proportions, 0.02 = two percentage points), with evidence
 * @param latencyP99Margin trip when a treatment's p99 latency exceeds control's by more than this
 *     fraction (0.2 = 20% slower), with evidence
 * @param maxErrorRate absolute budget: trip when a treatment's error rate exceeds it, with evidence
 * @param maxP99Millis absolute budget: trip when a treatment's p99 latency exceeds it, with evidence
 * @param alpha the probability of a false trip within {@code horizonSeconds} of traffic with no
 *     regression (default {@value #DEFAULT_ALPHA})
 * @param minSamples requests a variation needs in a window before it is judged (default {@value
 *     #DEFAULT_MIN_SAMPLES})
 * @param windowSeconds the sliding window (default {@value #DEFAULT_WINDOW_SECONDS}, even, 2 to 60)
 * @param horizonSeconds the stretch of traffic over which α bounds false trips (default one hour)
 */
public record BreakerConfig(Target target, String key, OptionalDouble errorRateMargin, OptionalDouble latencyP99Margin,
    OptionalDouble maxErrorRate, OptionalDouble maxP99Millis, double alpha, int minSamples, int windowSeconds,
    int horizonSeconds) {
  public static final double DEFAULT_ALPHA = 0.05;
  public static final int DEFAULT_MIN_SAMPLES = 200;
  public static final int DEFAULT_WINDOW_SECONDS = 10;
  public static final int DEFAULT_HORIZON_SECONDS = 3600;
  /** Longest key, as the store keeps it. */
  public static final int KEY_MAX = 100;

  /** What a breaker guards. */
  public enum Target {
    FLAG,
    EXPERIMENT;

    /** {@code flag} or {@code experiment}. */
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The target named {@code flag} or {@code experiment}. */
    public static Target ofWire(String field, String s) {
      return switch (s) {
        case "flag" -> FLAG;
        case "experiment" -> EXPERIMENT;
        default -> throw DomainException.invalid(field, "must be 'flag' or 'experiment', was '" + s + "'");
      };
    }
  }

  public BreakerConfig {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(key, "key");
    if (key.isEmpty() || key.length() > KEY_MAX) {
      throw DomainException.invalid("key", "must be 1 to " + KEY_MAX + " characters");
    }
    check("errorRateMargin", errorRateMargin, 0, 1);
    check("latencyP99Margin", latencyP99Margin, 0, 100);
    check("maxErrorRate", maxErrorRate, 0, 1);
    check("maxP99Millis", maxP99Millis, 0, 3.6e6);
    if (errorRateMargin.isEmpty() && latencyP99Margin.isEmpty() && maxErrorRate.isEmpty() && maxP99Millis.isEmpty()) {
      throw DomainException.invalid("errorRateMargin", "a breaker needs at least one of errorRateMargin,"
          + " latencyP99Margin, maxErrorRate, maxP99Millis");
    }
    if (!(alpha > 0 && alpha < 0.5)) {
      throw DomainException.invalid("alpha", "must be in (0, 0.5), was " + alpha);
    }
    if (minSamples < 20 || minSamples > 10_000_000) {
      throw DomainException.invalid("minSamples", "must be 20 to 10000000, was " + minSamples);
    }
    if (windowSeconds < 2 || windowSeconds > 60 || windowSeconds % 2 != 0) {
      throw DomainException.invalid("windowSeconds", "must be an even number of seconds from 2 to 60, was "
          + windowSeconds);
    }
    if (horizonSeconds < windowSeconds || horizonSeconds > 7 * 86_400) {
      throw DomainException.invalid("horizonSeconds", "must be windowSeconds (" + windowSeconds + ") to 604800, was "
          + horizonSeconds);
    }
  }

  private static void check(String field, OptionalDouble v, double min, double max) {
    if (v.isPresent() && !(v.getAsDouble() >= min && v.getAsDouble() <= max)) {
      throw DomainException.invalid(field, "must be a number from " + min + " to " + max + ", was " + v.getAsDouble());
    }
  }

  /** The store key of a breaker: its target and key, e.g. {@code experiment:checkout}. */
  String storeKey() {
    return target.wire() + ":" + key;
  }
}
