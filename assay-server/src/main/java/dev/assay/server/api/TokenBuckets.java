package dev.assay.server.api;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * One token bucket per key ({@link OfrepApi.RateLimit}: a sustained rate and a burst), on an
 * injected nanosecond clock. Thread-safe: each bucket is taken under its own lock.
 */
final class TokenBuckets {
  private final OfrepApi.RateLimit limit;
  private final LongSupplier nanoTime;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  TokenBuckets(OfrepApi.RateLimit limit, LongSupplier nanoTime) {
    this.limit = limit;
    this.nanoTime = nanoTime;
  }

  /** Takes a token of {@code key}'s bucket: 0 when one was taken, else the whole seconds until one is (at least 1). */
  long take(String key) {
    long now = nanoTime.getAsLong();
    long waitNanos = buckets.computeIfAbsent(key, k -> new Bucket(limit, now)).take(now);
    return waitNanos <= 0 ? 0 : Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
  }

  OfrepApi.RateLimit limit() {
    return limit;
  }

  /* A token bucket; take() answers 0 when a token was taken, else the nanoseconds until one is. */
  private static final class Bucket {
    private final double perNano;
    private final double capacity;
    private double tokens;
    private long last;

    Bucket(OfrepApi.RateLimit limit, long now) {
      this.perNano = limit.requestsPerSecond() / 1e9;
      this.capacity = limit.burst();
      this.tokens = capacity;
      this.last = now;
    }

    synchronized long take(long now) {
      if (now > last) {
        tokens = Math.min(capacity, tokens + (now - last) * perNano);
        last = now;
      }
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.max(1, (long) Math.ceil((1 - tokens) / perNano));
    }
  }
}
