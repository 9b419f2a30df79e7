package dev.assay.server.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A filter over the audit log; absent fields do not filter. Results are ordered by sequence
 * number, starting after {@code afterSeq}, at most {@code limit} of them.
 */
public record AuditQuery(
    Optional<String> kind, Optional<String> key, Optional<String> actor, Optional<Instant> from,
    Optional<Instant> to, long afterSeq, int limit) {
  public AuditQuery {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be >= 1, was " + limit);
    }
  }

  /** Every entry, in chain order. */
  public static AuditQuery all() {
    return new AuditQuery(
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 0,
        Integer.MAX_VALUE);
  }
}
