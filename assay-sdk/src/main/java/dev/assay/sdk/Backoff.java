package dev.assay.sdk;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with "equal jitter": a delay drawn uniformly between half and all of the
 * capped exponential step, so that many clients disconnected together do not reconnect together,
 * yet none retries immediately.
 */
final class Backoff {
  private final long baseMillis;
  private final long maxMillis;
  private int attempt;

  Backoff(Duration base, Duration max) {
    this.baseMillis = Math.max(1, base.toMillis());
    this.maxMillis = Math.max(baseMillis, max.toMillis());
  }

  /** The delay before the next attempt; each call doubles the ceiling up to the maximum. */
  Duration next() {
    long ceiling = attempt >= 30 ? maxMillis : Math.min(maxMillis, baseMillis << attempt);
    attempt++;
    return Duration.ofMillis(ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1));
  }

  /** The ceiling the next call would use (for tests and status). */
  long ceilingMillis() {
    return attempt >= 30 ? maxMillis : Math.min(maxMillis, baseMillis << attempt);
  }

  void reset() {
    attempt = 0;
  }
}
