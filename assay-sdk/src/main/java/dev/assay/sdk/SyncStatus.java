package dev.assay.sdk;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The {@link ClientStatus} of a {@link ConfigSync}, and its transitions. Written by the sync thread
 * (and by {@code close}), read by any thread; once {@link ClientStatus.State#CLOSED} it never
 * changes again.
 */
final class SyncStatus {

  private final AtomicReference<ClientStatus> current; // never holds null

  SyncStatus(ClientStatus.Source initialSource, @Nullable Instant loadedAt) {
    ClientStatus.State state = initialSource == ClientStatus.Source.NONE
        ? ClientStatus.State.DEFAULTS : ClientStatus.State.STALE;
    this.current = new AtomicReference<>(new ClientStatus(state, initialSource, ClientStatus.Mode.OFF, loadedAt, null));
  }

  ClientStatus get() {
    return java.util.Objects.requireNonNull(current.get());
  }

  /** A payload from {@code source} is being served: current if from the server, else stale. */
  void loaded(ClientStatus.Source source, Instant at) {
    update(s -> source == ClientStatus.Source.SERVER
        ? new ClientStatus(ClientStatus.State.READY, source,
            s.mode() == ClientStatus.Mode.OFF ? ClientStatus.Mode.POLLING : s.mode(), at, null)
        : new ClientStatus(ClientStatus.State.STALE, source, s.mode(), at, s.lastError()));
  }

  /** The server answered (a 304, an unchanged payload, an open stream); {@code mode} null keeps the mode. */
  void fresh(ClientStatus.@Nullable Mode mode) {
    update(s -> {
      boolean fromServer = s.source() == ClientStatus.Source.SERVER;
      return new ClientStatus(fromServer ? ClientStatus.State.READY : s.state(), s.source(),
          mode == null ? s.mode() : mode, s.lastUpdated(), fromServer ? null : s.lastError());
    });
  }

  void mode(ClientStatus.Mode mode) {
    update(s -> s.mode() == mode ? s
        : new ClientStatus(s.state(), s.source(), mode, s.lastUpdated(), s.lastError()));
  }

  /** A sync attempt failed: stale if something is being served, else still defaults. */
  void failed(boolean serving, String reason) {
    update(s -> new ClientStatus(serving ? ClientStatus.State.STALE : ClientStatus.State.DEFAULTS,
        s.source(), s.mode(), s.lastUpdated(), reason));
  }

  void close() {
    current.updateAndGet(s -> new ClientStatus(ClientStatus.State.CLOSED, s.source(), ClientStatus.Mode.OFF,
        s.lastUpdated(), s.lastError()));
  }

  private void update(UnaryOperator<ClientStatus> change) {
    current.updateAndGet(s -> s.state() == ClientStatus.State.CLOSED ? s : change.apply(s));
  }
}
