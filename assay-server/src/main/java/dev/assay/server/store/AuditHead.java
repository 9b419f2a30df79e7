package dev.assay.server.store;

import java.util.Objects;

/** The last entry of the audit chain: its sequence number (0 when empty) and hash. */
public record AuditHead(long seq, String hash) {
  public AuditHead {
    Objects.requireNonNull(hash, "hash");
  }
}
