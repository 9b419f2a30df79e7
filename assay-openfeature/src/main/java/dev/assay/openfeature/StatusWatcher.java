package dev.assay.openfeature;

import dev.assay.sdk.AssayClient;
import dev.assay.sdk.ClientStatus;
import dev.openfeature.sdk.ErrorCode;
import dev.openfeature.sdk.ProviderEventDetails;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Watches an {@link AssayClient}'s status on one daemon thread and reports each change of state
 * once: READY, STALE or ERROR, through the provider's emitters. Thread-safe; {@link #check} may also
 * be called by the client's sync thread after a configuration change.
 */
final class StatusWatcher implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(StatusWatcher.class.getName());

  /** Where the events go: the provider's emit methods. */
  record Emitters(Consumer<ProviderEventDetails> ready, Consumer<ProviderEventDetails> stale,
      Consumer<ProviderEventDetails> error) {}

  private final AssayClient client;
  private final Emitters emit;
  private final ScheduledExecutorService executor;
  /** The client state last reported (READY is what the OpenFeature SDK reports after initialize). */
  private ClientStatus.State reported = ClientStatus.State.READY;
  private boolean closed;

  /**
   * Starts watching. The first check runs one interval after this returns: the OpenFeature SDK
   * marks the provider READY when initialize returns, so a STALE or ERROR emitted earlier would be
   * lost.
   */
  StatusWatcher(AssayClient client, Duration interval, Emitters emit) {
    this.client = client;
    this.emit = emit;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "assay-openfeature-status");
      t.setDaemon(true);
      return t;
    });
    long ms = interval.toMillis();
    executor.scheduleWithFixedDelay(this::check, ms, ms, TimeUnit.MILLISECONDS);
  }

  AssayClient client() {
    return client;
  }

  synchronized void check() {
    try {
      ClientStatus status = client.status();
      ClientStatus.State state = status.state();
      if (closed || state == reported || state == ClientStatus.State.CLOSED) {
        return;
      }
      reported = state;
      String why = status.error().map(e -> ": " + e).orElse("");
      switch (state) {
        case READY -> emit.ready().accept(ProviderEventDetails.builder()
            .message("Assay configuration is current").build());
        case STALE -> emit.stale().accept(ProviderEventDetails.builder()
            .message("Assay is serving a " + status.source().name().toLowerCase(Locale.ROOT)
                + " configuration that may be out of date" + why)
            .build());
        case DEFAULTS -> emit.error().accept(ProviderEventDetails.builder()
            .errorCode(ErrorCode.GENERAL)
            .message("Assay has no configuration yet, every flag returns its code default" + why)
            .build());
        default -> { }
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "checking the Assay client status failed", e);
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
    }
    executor.shutdownNow();
  }
}
