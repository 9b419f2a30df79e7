package dev.assay.server.auth;

import java.util.List;
import java.util.Objects;

/**
 * An authenticated caller: the API key's id and name, its role, and the projects it is limited to
 * (empty: every project).
 */
public record Principal(String keyId, String name, Role role, List<String> projects) {
  public Principal {
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(role, "role");
    projects = List.copyOf(projects);
  }

  /** A caller for every project. */
  public Principal(String keyId, String name, Role role) {
    this(keyId, name, role, List.of());
  }

  /** Whether the caller is limited to some projects rather than all. */
  public boolean scoped() {
    return !projects.isEmpty();
  }

  /** Whether the caller may act on this project. */
  public boolean mayAccess(String project) {
    return projects.isEmpty() || projects.contains(project);
  }

  /** How the caller appears in the audit log. */
  public String actor() {
    return name + " (" + keyId + ")";
  }
}
