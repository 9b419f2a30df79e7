package dev.assay.server.alerts;

import java.time.Duration;
import java.util.Objects;

/**
 * How alerts are delivered: attempts before the dead-letter list, the backoff between attempts
 * (doubling from {@code baseBackoff} up to {@code maxBackoff}), the timeout of one request, and
 * whether channels may target private, loopback or link-local addresses.
 */
public record AlertOptions(int maxAttempts, Duration baseBackoff, Duration maxBackoff, Duration requestTimeout,
    boolean allowPrivateTargets) {
  public static final AlertOptions DEFAULTS =
      new AlertOptions(8, Duration.ofSeconds(10), Duration.ofMinutes(10), Duration.ofSeconds(5), false);

  /** @throws IllegalArgumentException naming the component that is out of range */
  public AlertOptions {
    Objects.requireNonNull(baseBackoff, "baseBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    if (maxAttempts < 1 || maxAttempts > 100) {
      throw new IllegalArgumentException("maxAttempts: must be 1 to 100, was " + maxAttempts);
    }
    if (baseBackoff.toMillis() < 1 || maxBackoff.compareTo(baseBackoff) < 0) {
      throw new IllegalArgumentException("backoff: the base must be at least 1 ms and at most the maximum, were "
          + baseBackoff + " and " + maxBackoff);
    }
    if (requestTimeout.toMillis() < 1) {
      throw new IllegalArgumentException("requestTimeout: must be at least 1 ms, was " + requestTimeout);
    }
  }

  public AlertOptions withAllowPrivateTargets(boolean allow) {
    return new AlertOptions(maxAttempts, baseBackoff, maxBackoff, requestTimeout, allow);
  }

  /** The wait after the {@code attempts}-th failed attempt: base × 2^(attempts − 1), capped. */
  public Duration backoff(int attempts) {
    int doublings = Math.min(Math.max(attempts - 1, 0), 30);
    long millis = baseBackoff.toMillis() << doublings;
    return millis <= 0 || millis > maxBackoff.toMillis() ? maxBackoff : Duration.ofMillis(millis);
  }
}
