package dev.assay.server.store;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A stored API key. Only the SHA-256 hash of the secret token is kept; the token itself is shown
 * once, at creation, and never stored.
 *
 * @param role the role name; the store does not interpret it
 * @param projects the project keys the key is limited to; empty means every project
 */
public record ApiKeyRecord(
    String id, String name, String role, String tokenHash, Instant createdAt, String createdBy,
    Optional<Instant> revokedAt, java.util.List<String> projects) {
  public ApiKeyRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(tokenHash, "tokenHash");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(createdBy, "createdBy");
    Objects.requireNonNull(revokedAt, "revokedAt");
    projects = java.util.List.copyOf(projects);
    for (String p : projects) {
      if (p.isEmpty() || p.contains(",")) {
        throw new IllegalArgumentException("project keys are non-empty and contain no comma: '" + p + "'");
      }
    }
  }

  /** A key for every project. */
  public ApiKeyRecord(String id, String name, String role, String tokenHash, Instant createdAt, String createdBy,
      Optional<Instant> revokedAt) {
    this(id, name, role, tokenHash, createdAt, createdBy, revokedAt, java.util.List.of());
  }

  public boolean active() {
    return revokedAt.isEmpty();
  }
}
