package dev.assay.server.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Limits failed sign-ins per user name and client address: after {@code maxFailures} failures
 * within {@code window}, further attempts for that pair are refused until the oldest failure
 * leaves the window. A successful sign-in clears the pair. At most {@value #MAX_PAIRS} pairs are
 * tracked (the least recently failed are forgotten first), so a flood of names cannot exhaust
 * memory. Thread-safe.
 */
public final class LoginThrottle {
  static final int MAX_PAIRS = 10_000;
  private final Clock clock;
  private final int maxFailures;
  private final long windowMillis;
  private final Map<String, Deque<Long>> failures = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Deque<Long>> eldest) {
      return size() > MAX_PAIRS;
    }
  };

  public LoginThrottle(Clock clock, int maxFailures, Duration window) {
    if (maxFailures < 1 || window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("maxFailures must be ≥ 1 and the window positive");
    }
    this.clock = clock;
    this.maxFailures = maxFailures;
    this.windowMillis = window.toMillis();
  }

  /** Five failures a minute, the default of {@code assay serve}. */
  public static LoginThrottle standard(Clock clock) {
    return new LoginThrottle(clock, 5, Duration.ofMinutes(1));
  }

  /** Seconds until this pair may try again; 0 when it may try now. */
  public synchronized long retryAfterSeconds(String user, String address) {
    Deque<Long> d = failures.get(key(user, address));
    if (d == null) {
      return 0;
    }
    long now = clock.millis();
    while (!d.isEmpty() && d.peekFirst() <= now - windowMillis) {
      d.pollFirst();
    }
    if (d.size() < maxFailures) {
      return 0;
    }
    long until = d.peekFirst() + windowMillis;
    return Math.max(1, (until - now + 999) / 1000);
  }

  public synchronized void failed(String user, String address) {
    failures.computeIfAbsent(key(user, address), k -> new ArrayDeque<>()).addLast(clock.millis());
    Deque<Long> d = failures.get(key(user, address));
    while (d.size() > maxFailures) {
      d.pollFirst();
    }
  }

  public synchronized void succeeded(String user, String address) {
    failures.remove(key(user, address));
  }

  private static String key(String user, String address) {
    return user + "\u0000" + address;
  }
}
