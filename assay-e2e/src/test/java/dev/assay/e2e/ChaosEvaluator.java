package dev.assay.e2e;

import dev.assay.sdk.AssayClient;
import dev.assay.sdk.Attributes;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * An application's SDK client streaming from one replica (its address fixed, as a pod's sidecar or
 * a service name would be), evaluating the flag {@link ChaosTraffic#COUNTER} about every
 * millisecond on a thread of its own. It counts evaluations, errors (an exception, or the code
 * default {@code -1}, which means the client served no configuration) and regressions (a value
 * lower than one it served before: the counter only rises, so a client going back would serve an
 * older configuration than it had). Evaluation starts once the client has its first configuration.
 */
final class ChaosEvaluator implements AutoCloseable {
  final AssayClient client;
  final AtomicLong evaluations = new AtomicLong();
  final AtomicLong errors = new AtomicLong();
  final AtomicLong regressions = new AtomicLong();
  private final Attributes unit = Attributes.of("id", "chaos-user");
  private final Thread thread;
  private volatile long last = -1;
  private volatile boolean running = true;

  ChaosEvaluator(ChaosReplica replica, String sdkKey) {
    client = AssayClient.builder(replica.baseUrl(), sdkKey)
        // Changes arrive by the stream; polling is only the SDK's backstop, slower than the test.
        .pollInterval(Duration.ofSeconds(30))
        .reconnectDelay(Duration.ofMillis(200), Duration.ofSeconds(2))
        .build();
    if (!client.awaitReady(Duration.ofSeconds(60))) {
      client.close();
      throw new AssertionError("the SDK client of " + replica + " got no configuration: " + client.status());
    }
    thread = Thread.ofPlatform().daemon().name("chaos-sdk-" + replica.name).start(this::run);
  }

  private void run() {
    while (running) {
      try {
        long v = client.features().getLong(ChaosTraffic.COUNTER, unit, -1);
        evaluations.incrementAndGet();
        if (v < 0) {
          errors.incrementAndGet();
        } else if (v < last) {
          regressions.incrementAndGet();
        }
        last = Math.max(last, v);
      } catch (RuntimeException e) {
        errors.incrementAndGet();
      }
      LockSupport.parkNanos(1_000_000);
    }
  }

  /** The value the client serves now. */
  long value() {
    return client.features().getLong(ChaosTraffic.COUNTER, unit, -1);
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(10_000);
    client.close();
  }
}
