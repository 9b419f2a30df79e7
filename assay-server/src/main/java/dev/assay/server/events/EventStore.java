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

  /** Which events a read or a deletion covers: one project's, or every project's. */
  record Scope(java.util.Optional<String> project) {
    /** Every project's events. */
    public static final Scope ALL = new Scope(java.util.Optional.empty());

    public Scope {
      java.util.Objects.requireNonNull(project, "project");
    }

    /** The events of one project. */
    public static Scope project(String key) {
      return new Scope(java.util.Optional.of(key));
    }

    /** {@code " AND project = ?"} for one project, else nothing (bind with {@link #bind}). */
    String and() {
      return project.isPresent() ? " AND project = ?" : "";
    }

    /** Binds the project (if any) at this index; returns the next index. */
    int bind(java.sql.PreparedStatement ps, int index) throws java.sql.SQLException {
      if (project.isPresent()) {
        ps.setString(index++, project.get());
      }
      return index;
    }
  }

  CompletableFuture<Stored> append(List<Event> events);

  /** Counts by type, name and experiment/variation in [from, to), and the newest events, in the scope. */
  EventSummary summary(Scope scope, long fromMillis, long toMillis, int latest);

  /** A unit's events (exposures and metric events) in the scope, oldest first, at most {@code limit}. */
  List<Event> unitEvents(Scope scope, String unitId, int limit);

  /** Deletes every event of a unit in the scope (an erasure request); returns how many were deleted. */
  long deleteUnit(Scope scope, String unitId);

  /** Deletes the events in the scope that happened before the cutoff (retention); returns how many. */
  long deleteBefore(Scope scope, long cutoffMillis);

  /** The name by which retention per event type refers to exposures (metric events go by their name). */
  String EXPOSURES = "$exposure";

  /**
   * Deletes the events of one type in the scope that happened before the cutoff (retention per
   * event type): the metric events of that name, or every exposure for {@link #EXPOSURES}; returns
   * how many.
   */
  long deleteNamedBefore(Scope scope, String name, long cutoffMillis);

  @Override
  void close();
}
