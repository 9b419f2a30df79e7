package dev.assay.server.auth;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What an API key may do. Each role includes everything the roles below it may do:
 * viewer reads config; analyst also reads the audit log, comments on flags and experiments and edits metrics; experimenter also edits
 * flags, experiments, layers, segments and SDK connections; admin also manages projects,
 * environments, users and API keys and verifies or exports the audit log.
 */
public enum Role {
  VIEWER(EnumSet.of(Permission.READ)),
  ANALYST(EnumSet.of(Permission.READ, Permission.READ_AUDIT, Permission.COMMENT, Permission.WRITE_METRICS)),
  EXPERIMENTER(EnumSet.of(Permission.READ, Permission.READ_AUDIT, Permission.COMMENT, Permission.WRITE_METRICS,
      Permission.WRITE_CONFIG)),
  ADMIN(EnumSet.allOf(Permission.class));

  private final Set<Permission> permissions;

  Role(Set<Permission> permissions) {
    this.permissions = Set.copyOf(permissions);
  }

  public boolean allows(Permission p) {
    return permissions.contains(p);
  }

  /** The lower-case wire name. */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Role> parse(String name) {
    for (Role r : values()) {
      if (r.wireName().equals(name)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
