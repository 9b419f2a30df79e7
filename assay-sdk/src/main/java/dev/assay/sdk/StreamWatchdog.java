package dev.assay.sdk;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes an event stream when nothing (not even a heartbeat) arrived for the idle timeout, which
 * unblocks the reader. One per open stream; {@link #touch} is called by the reading thread for
 * every line, {@link #stop} when the stream ends.
 */
final class StreamWatchdog {

  private final Thread thread;
  private volatile long last = System.nanoTime();
  private volatile boolean fired;

  StreamWatchdog(Duration idleTimeout, Runnable closeStream) {
    long limit = idleTimeout.toNanos();
    thread = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        long idle = System.nanoTime() - last;
        if (idle >= limit) {
          fired = true;
          closeStream.run();
          return;
        }
        try {
          Thread.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(limit - idle)));
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "assay-stream-watchdog");
    thread.setDaemon(true);
    thread.start();
  }

  void touch() {
    last = System.nanoTime();
  }

  /** Whether the watchdog closed the stream (rather than the server or the network). */
  boolean fired() {
    return fired;
  }

  void stop() {
    thread.interrupt();
  }
}
