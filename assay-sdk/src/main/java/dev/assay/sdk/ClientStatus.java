package dev.assay.sdk;

import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What an {@link AssayClient} is serving and how fresh it is. Evaluation never waits on the
 * network, so this is how an application learns that it runs on a bootstrap payload, a cached one,
 * or code defaults.
 *
 * @param state whether the configuration is current
 * @param source where the configuration being served came from
 * @param mode how the client is receiving updates right now
 * @param lastUpdated when the served configuration was last loaded (null if never)
 * @param lastError the last sync failure, if the last attempt failed (null otherwise)
 */
public record ClientStatus(
    State state, Source source, Mode mode, @Nullable Instant lastUpdated, @Nullable String lastError) {

  /** Freshness of the configuration being served. */
  public enum State {
    /** No configuration yet: every evaluation returns the code default. */
    DEFAULTS,
    /** Configuration from the server, and the connection to it is healthy. */
    READY,
    /** Serving a bootstrap, a cached or an older server configuration because sync is failing. */
    STALE,
    /** The client was closed. */
    CLOSED
  }

  /** Origin of the configuration being served. */
  public enum Source {
    NONE,
    BOOTSTRAP,
    CACHE,
    SERVER
  }

  /** How updates arrive. */
  public enum Mode {
    /** Server-sent events: changes are pushed. */
    STREAMING,
    /** Periodic conditional GET with the payload's ETag. */
    POLLING,
    /** Not syncing (closed, or sync turned off). */
    OFF
  }

  public Optional<String> error() {
    return Optional.ofNullable(lastError);
  }
}
