package dev.assay.server.safety;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * One breaker as its evaluator holds it: the configuration at a stored version, a sliding window
 * per variation, and whether it has tripped. Recording is lock-free; a look is taken by at most one
 * thread at a time, at most once per {@link #LOOK_INTERVAL_MILLIS}. Thread-safe.
 *
 * <p>The window is cut into cohorts that start every half window and last a whole one: at any
 * second the counts of the two cohorts alive are judged. A cohort's counts only grow, so the
 * always-valid test may look at it as often as it likes; with {@code H / (W/2)} cohorts in a
 * horizon H, each is tested at α·(W/2)/H (divided again over treatments and tests), so the
 * probability of any false trip within H is at most α (Bonferroni over cohorts, Ville's
 * inequality within each). A regression that starts at t is wholly inside the cohort that starts
 * next, at most W/2 later, and partly inside the one running.
 */
final class ArmedBreaker {
  /** How often a breaker looks at its window, at most. */
  static final long LOOK_INTERVAL_MILLIS = 100;
  /** Variations a breaker tracks (index 0 is control); reports of higher ones are ignored. */
  static final int MAX_VARIATIONS = 16;

  final String project;
  final BreakerConfig config;
  final long version;
  private final AtomicReferenceArray<SignalWindow> windows = new AtomicReferenceArray<>(MAX_VARIATIONS);
  private final AtomicLong nextLook = new AtomicLong(Long.MIN_VALUE);
  private final AtomicBoolean tripped;

  ArmedBreaker(String project, BreakerConfig config, long version, boolean tripped) {
    this.project = project;
    this.config = config;
    this.version = version;
    this.tripped = new AtomicBoolean(tripped);
  }

  boolean tripped() {
    return tripped.get();
  }

  /** Marks it tripped; true for the one caller that changed it. */
  boolean markTripped() {
    return tripped.compareAndSet(false, true);
  }

  private SignalWindow window(int variation) {
    SignalWindow w = windows.get(variation);
    if (w == null) {
      windows.compareAndSet(variation, null, new SignalWindow(config.windowSeconds()));
      w = windows.get(variation);
    }
    return w;
  }

  /** Records one request's latency; false when the variation is out of range. */
  boolean latency(int variation, long nowMillis, double millis) {
    if (variation < 0 || variation >= MAX_VARIATIONS) {
      return false;
    }
    window(variation).latency(Math.floorDiv(nowMillis, 1000), millis);
    return true;
  }

  /** Records one error; false when the variation is out of range. */
  boolean error(int variation, long nowMillis) {
    if (variation < 0 || variation >= MAX_VARIATIONS) {
      return false;
    }
    window(variation).error(Math.floorDiv(nowMillis, 1000));
    return true;
  }

  /** Whether it is time for a look; true for one caller per interval. */
  boolean lookDue(long nowMillis) {
    long due = nextLook.get();
    return nowMillis >= due && nextLook.compareAndSet(due, nowMillis + LOOK_INTERVAL_MILLIS);
  }

  /** The breaches seen by a look now, as sentences; empty when none (or it already tripped). */
  List<String> look(long nowMillis) {
    if (tripped.get()) {
      return List.of();
    }
    int variations = 0;
    for (int v = 0; v < MAX_VARIATIONS; v++) {
      if (windows.get(v) != null) {
        variations = v + 1;
      }
    }
    if (variations < 2) {
      return List.of();
    }
    long second = Math.floorDiv(nowMillis, 1000);
    int half = config.windowSeconds() / 2;
    long current = second - Math.floorMod(second, half);
    double cohortsPerHorizon = (double) config.horizonSeconds() / half;
    double alpha = config.alpha() / cohortsPerHorizon / ((variations - 1) * BreakerRule.testsPerTreatment(config));
    for (long start : new long[] {current - half, current}) {
      List<SignalWindow.Counts> counts = new ArrayList<>(variations);
      for (int v = 0; v < variations; v++) {
        SignalWindow w = windows.get(v);
        counts.add(w == null ? new SignalWindow.Counts(0, 0, new long[SignalWindow.BINS]) : w.sum(start, second));
      }
      List<String> breaches = BreakerRule.breaches(config, counts, alpha);
      if (!breaches.isEmpty()) {
        return breaches;
      }
    }
    return List.of();
  }
}
