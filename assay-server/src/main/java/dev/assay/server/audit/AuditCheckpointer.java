package dev.assay.server.audit;

import dev.assay.server.store.AuditHead;
import dev.assay.server.store.ConfigStore;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Writes a checkpoint of the audit chain head to the {@link AuditAnchor} at start, every
 * {@code interval} (when the head moved) and at close. Runs on one daemon thread, so runs never
 * overlap; a failed run is logged and the next one tries again.
 */
public final class AuditCheckpointer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(AuditCheckpointer.class.getName());
  private final ConfigStore store;
  private final AuditAnchor anchor;
  private final Clock clock;
  private final ScheduledExecutorService timer;

  private AuditCheckpointer(ConfigStore store, AuditAnchor anchor, Clock clock) {
    this.store = store;
    this.anchor = anchor;
    this.clock = clock;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "assay-audit-checkpoint");
      t.setDaemon(true);
      return t;
    });
  }

  /** Writes the first checkpoint now (failing fast if the file cannot be written), then schedules. */
  public static AuditCheckpointer start(ConfigStore store, AuditAnchor anchor, Clock clock, Duration interval) {
    AuditCheckpointer c = new AuditCheckpointer(store, anchor, clock);
    c.checkpoint();
    c.timer.scheduleWithFixedDelay(c::checkpointQuietly, interval.toMillis(), interval.toMillis(),
        TimeUnit.MILLISECONDS);
    return c;
  }

  /**
   * Checkpoints the current head if it moved since the last checkpoint. The head is forced to the
   * device first: a checkpoint of a head a crash could still lose would later read as a cut tail.
   */
  public boolean checkpoint() {
    AuditHead head = store.read(tx -> tx.auditHead());
    store.syncToDevice();
    return anchor.checkpoint(head, clock.instant());
  }

  private void checkpointQuietly() {
    try {
      checkpoint();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "audit checkpoint failed; retrying at the next interval", e);
    }
  }

  /** Stops the timer and writes a last checkpoint. */
  @Override
  public void close() {
    timer.shutdown();
    try {
      timer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    checkpointQuietly();
  }
}
