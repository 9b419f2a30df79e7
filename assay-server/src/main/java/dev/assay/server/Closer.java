package dev.assay.server;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The resources of a running server in the order they were started; {@link #close()} closes them
 * in reverse, each once, and keeps going past a failure (the first failure is thrown at the end,
 * later ones suppressed into it). Registering happens on the starting thread only; closing is
 * idempotent and may come from another thread (a shutdown hook).
 */
final class Closer implements AutoCloseable {
  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private boolean closed;

  /** Registers a started resource and returns it. */
  synchronized <T extends AutoCloseable> T register(T resource) {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    resources.push(resource);
    return resource;
  }

  /** Registers an action that stops something started (a listener, open streams). */
  synchronized void onClose(AutoCloseable action) {
    register(action);
  }

  @Override
  public synchronized void close() {
    closed = true;
    RuntimeException failure = null;
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        if (failure == null) {
          failure = e instanceof RuntimeException r ? r : new IllegalStateException("cannot close: " + e.getMessage(), e);
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
