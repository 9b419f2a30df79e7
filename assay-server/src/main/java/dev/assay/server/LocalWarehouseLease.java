package dev.assay.server;

import dev.assay.server.store.ConfigStore;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a replica that analyses its own embedded warehouse from sharing a store with another such
 * replica (ADR 0047): each would see only the events it received and report different results for
 * the same experiment. The replica holds the store lease {@value #NAME} while it runs; one that cannot
 * take it within {@link #TTL} (long enough for a crashed predecessor's lease to expire) refuses to
 * start, unless the operator allowed it. A store only one process opens (the embedded one) always
 * grants the lease.
 */
final class LocalWarehouseLease implements AutoCloseable {
  static final String NAME = "local-warehouse";
  static final Duration TTL = Duration.ofSeconds(15);
  private static final System.Logger LOG = System.getLogger(LocalWarehouseLease.class.getName());

  private final ConfigStore store;
  private final ScheduledExecutorService renewals;

  private LocalWarehouseLease(ConfigStore store) {
    this.store = store;
    this.renewals = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "assay-local-warehouse-lease");
      t.setDaemon(true);
      return t;
    });
    long every = TTL.toMillis() / 3;
    renewals.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
  }

  /**
   * Takes the lease, waiting up to {@link #TTL} plus a margin for one held by a process that
   * stopped without giving it up.
   *
   * @throws InvalidOption {@code allowLocalWarehouse}, when another live replica holds it
   */
  static LocalWarehouseLease take(ConfigStore store) {
    long deadline = System.nanoTime() + TTL.plusSeconds(2).toNanos();
    boolean warned = false;
    while (!store.runLeased(NAME, TTL, () -> { })) {
      if (System.nanoTime() > deadline) {
        throw new InvalidOption("allowLocalWarehouse", "another replica sharing this store ("
            + store.description() + ") analyses its own embedded event warehouse; several replicas must share"
            + " one warehouse, else each analyses only the events it received. Give every replica a"
            + " --warehouse-url (PostgreSQL, or Kafka mode into PostgreSQL), or allow a separate warehouse"
            + " per replica with --allow-local-warehouse (ASSAY_ALLOW_LOCAL_WAREHOUSE=true)");
      }
      if (!warned) {
        LOG.log(System.Logger.Level.WARNING, "another process holds the store lease ''{0}''; waiting up to {1} s"
            + " in case it stopped without giving it up", NAME, TTL.toSeconds() + 2);
        warned = true;
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the store lease '" + NAME + "'", e);
      }
    }
    return new LocalWarehouseLease(store);
  }

  private void renew() {
    try {
      if (!store.runLeased(NAME, TTL, () -> { })) {
        LOG.log(System.Logger.Level.WARNING, "lost the store lease ''{0}'' to another replica with its own"
            + " embedded warehouse (this one stalled for more than {1} s)", NAME, TTL.toSeconds());
      }
    } catch (RuntimeException e) { // the store is down for a moment: try again on the next tick
      LOG.log(System.Logger.Level.WARNING, "cannot renew the store lease ''{0}'': {1}", NAME, e.getMessage());
    }
  }

  /** Stops renewing; the store gives the lease up when it closes (with this process's other leases). */
  @Override
  public void close() {
    renewals.shutdownNow();
  }
}
