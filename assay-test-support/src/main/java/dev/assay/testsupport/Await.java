package dev.assay.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waiting on a positive signal instead of sleeping before an assertion: polls a condition until it
 * holds or the timeout passes, then fails with what was awaited (and, if given, the state seen).
 */
public final class Await {
  /** Long enough for a loaded CI machine; a passing test returns as soon as the condition holds. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  private static final long POLL_MILLIS = 10;

  private Await() {}

  /** Waits up to {@link #DEFAULT_TIMEOUT} for {@code condition}. */
  public static void until(BooleanSupplier condition, String what) throws InterruptedException {
    until(condition, DEFAULT_TIMEOUT, what);
  }

  /** Waits up to {@code timeout} for {@code condition}; throws an {@link AssertionError} naming {@code what}. */
  public static void until(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
    until(condition, timeout, () -> what);
  }

  /**
   * Waits up to {@code timeout} for {@code condition}; the failure message is computed when it
   * fails, so it can show the state that was seen last.
   */
  public static void until(BooleanSupplier condition, Duration timeout, Supplier<String> what)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + timeout + " waiting for: " + what.get());
      }
      Thread.sleep(POLL_MILLIS);
    }
  }
}
