package dev.assay.server.auth;

import java.util.Objects;

/** An authenticated caller: the API key's id and name, and its role. */
public record Principal(String keyId, String name, Role role) {
  public Principal {
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(role, "role");
  }

  /** How the caller appears in the audit log. */
  public String actor() {
    return name + " (" + keyId + ")";
  }
}
