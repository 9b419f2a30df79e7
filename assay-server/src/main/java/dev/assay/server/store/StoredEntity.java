package dev.assay.server.store;

import java.time.Instant;
import java.util.Objects;

/**
 * One version of a config entity as stored: an opaque JSON document plus its identity and version.
 *
 * @param kind what the entity is
 * @param scope the owning project key, or the empty string for global kinds
 * @param key the entity key, unique within kind and scope
 * @param version starts at 1 and grows by one with every update
 * @param body the entity's JSON document
 */
public record StoredEntity(
    Kind kind, String scope, String key, long version, String body, Instant createdAt, Instant updatedAt) {
  public StoredEntity {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(updatedAt, "updatedAt");
    if (version < 1) {
      throw new IllegalArgumentException("version must be >= 1, was " + version);
    }
  }
}
