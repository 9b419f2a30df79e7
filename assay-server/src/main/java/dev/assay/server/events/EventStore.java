package dev.assay.server.events;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Durable event storage. {@link #append} returns a future completed only after the events are
 * committed to disk; re-sent events (same id) are stored once. Implementations bound their
 * queues: when full, {@link #append} fails at once with {@link Overloaded}.
 */
public interface EventStore extends AutoCloseable {

  /** How a batch was stored. */
  record Stored(int accepted, int duplicates) {}

  /** The store's queue is full: retry after the hinted delay. */
  final class Overloaded extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int retryAfterSeconds;

    public Overloaded(String message, int retryAfterSeconds) {
      super(message);
      this.retryAfterSeconds = retryAfterSeconds;
    }

    public int retryAfterSeconds() {
      return retryAfterSeconds;
    }
  }

  CompletableFuture<Stored> append(List<Event> events);

  /** Counts by type, name and experiment/variation in [from, to), and the newest events. */
  EventSummary summary(long fromMillis, long toMillis, int latest);

  /** A unit's events (exposures and metric events), oldest first, at most {@code limit}. */
  List<Event> unitEvents(String unitId, int limit);

  /** Deletes every event of a unit (an erasure request); returns how many were deleted. */
  long deleteUnit(String unitId);

  /** Deletes events that happened before the cutoff (retention); returns how many were deleted. */
  long deleteBefore(long cutoffMillis);

  @Override
  void close();
}
