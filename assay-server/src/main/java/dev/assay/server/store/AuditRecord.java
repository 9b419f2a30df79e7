package dev.assay.server.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One row of the append-only audit log, exactly as stored. The store does not compute or check
 * hashes; the audit package does.
 *
 * @param seq position in the chain, starting at 1, without gaps
 * @param before the entity's JSON before the change, absent for a creation
 * @param after the entity's JSON after the change, absent for a deletion
 * @param prevHash hash of the previous entry (64 zeros for the first)
 * @param hash hash of this entry
 * @param mac keyed MAC of the hash (absent for entries written before the audit key existed)
 * @param reason why the change was made, as its writer said (absent when they gave none)
 */
public record AuditRecord(
    long seq, Instant at, String actor, String action, String kind, String scope, String key,
    Optional<String> before, Optional<String> after, String prevHash, String hash,
    Optional<String> mac, Optional<String> reason) {
  public AuditRecord {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(before, "before");
    Objects.requireNonNull(after, "after");
    Objects.requireNonNull(prevHash, "prevHash");
    Objects.requireNonNull(hash, "hash");
    Objects.requireNonNull(mac, "mac");
    Objects.requireNonNull(reason, "reason");
  }

  /** An entry without a reason. */
  public AuditRecord(
      long seq, Instant at, String actor, String action, String kind, String scope, String key,
      Optional<String> before, Optional<String> after, String prevHash, String hash,
      Optional<String> mac) {
    this(seq, at, actor, action, kind, scope, key, before, after, prevHash, hash, mac, Optional.empty());
  }
}
