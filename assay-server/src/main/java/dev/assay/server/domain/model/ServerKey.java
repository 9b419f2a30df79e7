package dev.assay.server.domain.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Optional;

/**
 * The server key of an SDK connection (a secret for back-end SDKs), as stored: only its hash,
 * never the token.
 *
 * @param hash the token's hash; empty where it is not shown (entity views, audit entries)
 * @param createdAt when it was issued (ISO-8601 instant)
 */
public record ServerKey(@JsonInclude(JsonInclude.Include.NON_ABSENT) Optional<String> hash, String createdAt,
    String createdBy) {
  public ServerKey {
    hash = Check.optional(hash);
  }

  /** This key without its hash, to be shown. */
  public ServerKey withoutHash() {
    return new ServerKey(Optional.empty(), createdAt, createdBy);
  }
}
