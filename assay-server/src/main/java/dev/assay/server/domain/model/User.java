package dev.assay.server.domain.model;

import static dev.assay.server.domain.model.Check.NAME_MAX;

import dev.assay.server.domain.DomainException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A person; {@code projects} limits their role to those projects (empty: every project).
 *
 * @param role one of {@link #ROLES} (the permissions of each are the auth package's business)
 */
public record User(String key, String name, String email, String role, List<String> projects) implements Keyed {
  /** The roles a user can have. */
  public static final List<String> ROLES = List.of("admin", "experimenter", "analyst", "viewer");

  public User(String key, @Nullable String name, @Nullable String email, @Nullable String role,
      @Nullable List<String> projects) {
    this.key = Check.key("key", key);
    this.name = Check.text("name", name, NAME_MAX);
    this.email = Check.text("email", email, NAME_MAX);
    String r = Check.required("role", role);
    if (!ROLES.contains(r)) {
      throw DomainException.invalid("role", "must be one of " + ROLES + ", was '" + r + "'");
    }
    this.role = r;
    this.projects = Check.list("projects", projects, 100);
    for (int i = 0; i < this.projects.size(); i++) {
      Check.key("projects[" + i + "]", this.projects.get(i));
      if (this.projects.subList(0, i).contains(this.projects.get(i))) {
        throw DomainException.invalid("projects[" + i + "]", "project '" + this.projects.get(i) + "' is listed twice");
      }
    }
  }
}
