package dev.assay.server.api;

import dev.assay.server.auth.Principal;
import dev.assay.server.domain.ConfigService;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Per-project scoping of API keys (ARCHITECTURE §8): a key limited to some projects may use an
 * endpoint only on those projects. The project of a request is its {@code project} query parameter
 * (default project when absent), or the path key for {@code /projects/{key}}. Endpoints that span
 * every project (listing or creating projects, users, API keys, the audit log) are for unscoped
 * keys only. The event endpoints ({@code /events/...}) cover every project's events unless
 * {@code ?project=} names one, so a scoped key must name one of its projects. Answers 403 naming
 * the key's projects.
 */
final class ProjectScope {
  private static final List<String> GLOBAL = List.of("/users", "/api-keys", "/audit");
  /** Endpoints over every project's data unless {@code ?project=} names one. */
  private static final List<String> ALL_UNLESS_NAMED = List.of("/events/");

  private ProjectScope() {}

  /** The 403 reply when the principal may not use this endpoint on the requested project. */
  static Optional<Reply> check(Principal principal, Endpoint e, Map<String, String> pathParams,
      Map<String, String> query) {
    if (!principal.scoped()) {
      return Optional.empty();
    }
    String limited = "API key '" + principal.name() + "' is limited to projects " + principal.projects();
    String project;
    if (e.path().startsWith("/projects/{key}")) {
      project = pathParams.getOrDefault("key", "");
    } else if (e.path().startsWith("/projects") || GLOBAL.stream().anyMatch(g -> e.path().startsWith(g))) {
      return Optional.of(ApiErrors.error(403, "forbidden", limited + "; " + e.method() + " " + HttpApi.PREFIX
          + e.path() + " spans all projects and needs an unscoped key", List.of()));
    } else if (!query.containsKey("project") && ALL_UNLESS_NAMED.stream().anyMatch(g -> e.path().startsWith(g))) {
      return Optional.of(ApiErrors.error(403, "forbidden", limited + "; without ?project= " + e.method() + " "
          + HttpApi.PREFIX + e.path() + " spans all projects and needs an unscoped key",
          List.of(new dev.assay.server.domain.DomainException.Detail("project", "name one of " + principal.projects()))));
    } else {
      project = query.getOrDefault("project", ConfigService.DEFAULT_PROJECT);
    }
    return project(principal, project, "access");
  }

  /**
   * The 403 reply when the principal may not act on {@code project} ({@code action}: "access",
   * "send events to", ...); empty when it may. Every route's project check comes here.
   */
  static Optional<Reply> project(Principal principal, String project, String action) {
    if (principal.mayAccess(project)) {
      return Optional.empty();
    }
    return Optional.of(ApiErrors.error(403, "forbidden", "API key '" + principal.name() + "' is limited to projects "
        + principal.projects() + "; it may not " + action + " project '" + project + "'",
        List.of(new dev.assay.server.domain.DomainException.Detail("project", "not one of " + principal.projects()))));
  }
}
