package dev.assay.server.safety;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The operational signals of one variation over a sliding window of one-second buckets: requests
 * (latency reports), errors, and a latency histogram. Lock-free: a bucket is replaced by
 * compare-and-set when its second has passed, counts are {@link LongAdder}s and the histogram an
 * {@link AtomicLongArray}, so recording threads never wait for each other. Thread-safe.
 *
 * <p>A record made by a thread that read a bucket just before another replaced it (the ring moved
 * on by a whole window meanwhile) is lost; nothing else is.
 */
final class SignalWindow {
  /* Latency bins: bin 0 is [0, 1) ms, bin b ≥ 1 is [GROWTH^(b-1), GROWTH^b) ms; 4% resolution up to ~17 min. */
  static final double GROWTH = 1.04;
  static final int BINS = 360;
  private static final double LOG_GROWTH = Math.log(GROWTH);

  private final AtomicReferenceArray<Bucket> ring;

  /** @param seconds how many whole seconds the window holds (the ring keeps one more, the current one) */
  SignalWindow(int seconds) {
    this.ring = new AtomicReferenceArray<>(seconds + 1);
  }

  private static final class Bucket {
    final long second;
    final LongAdder requests = new LongAdder();
    final LongAdder errors = new LongAdder();
    final AtomicLongArray latency = new AtomicLongArray(BINS);

    Bucket(long second) {
      this.second = second;
    }
  }

  private Bucket bucket(long second) {
    int i = (int) Math.floorMod(second, (long) ring.length());
    while (true) {
      Bucket b = ring.get(i);
      if (b != null && b.second == second) {
        return b;
      }
      if (b != null && b.second > second) {
        return new Bucket(second); // a late record for a second already overwritten: counted nowhere
      }
      Bucket fresh = new Bucket(second);
      if (ring.compareAndSet(i, b, fresh)) {
        return fresh;
      }
    }
  }

  void error(long second) {
    bucket(second).errors.increment();
  }

  void latency(long second, double millis) {
    Bucket b = bucket(second);
    b.requests.increment();
    b.latency.incrementAndGet(bin(millis));
  }

  static int bin(double millis) {
    if (!(millis >= 1)) {
      return 0;
    }
    return (int) Math.min(BINS - 1, 1 + (long) Math.floor(Math.log(millis) / LOG_GROWTH));
  }

  /** The upper edge of a bin, in ms. */
  static double upperEdge(int bin) {
    return Math.pow(GROWTH, bin);
  }

  /** The sums over the seconds [from, to]; buckets of other seconds are skipped. */
  Counts sum(long from, long to) {
    long requests = 0;
    long errors = 0;
    long[] hist = new long[BINS];
    for (int i = 0; i < ring.length(); i++) {
      Bucket b = ring.get(i);
      if (b == null || b.second < from || b.second > to) {
        continue;
      }
      requests += b.requests.sum();
      errors += b.errors.sum();
      for (int k = 0; k < BINS; k++) {
        hist[k] += b.latency.get(k);
      }
    }
    return new Counts(requests, errors, hist);
  }

  /**
   * One variation's signals over a stretch of seconds.
   *
   * @param requests latency reports (one per request)
   * @param errors error reports
   * @param latency counts per latency bin
   */
  record Counts(long requests, long errors, long[] latency) {
    /** Errors per request, errors capped at requests. */
    long cappedErrors() {
      return Math.min(errors, requests);
    }

    /** The upper edge of the bin that holds the q-quantile (NaN without requests). */
    double quantile(double q) {
      long total = 0;
      for (long c : latency) {
        total += c;
      }
      if (total == 0) {
        return Double.NaN;
      }
      long rank = (long) Math.ceil(q * total);
      long seen = 0;
      for (int b = 0; b < latency.length; b++) {
        seen += latency[b];
        if (seen >= rank) {
          return upperEdge(b);
        }
      }
      return upperEdge(latency.length - 1);
    }

    /** Requests in bins wholly above {@code millis}. */
    long slowerThan(double millis) {
      int from = bin(millis) + 1;
      long n = 0;
      for (int b = from; b < latency.length; b++) {
        n += latency[b];
      }
      return n;
    }
  }
}
