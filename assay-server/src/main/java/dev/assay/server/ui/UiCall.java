package dev.assay.server.ui;

import dev.assay.server.auth.Logins;
import dev.assay.server.auth.Principal;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a page handler sees: the signed-in session, the project in use, path and query
 * parameters, the posted form (empty for GET), and the layout data for the page it renders.
 */
final class UiCall {
  private final Logins.SignedIn session;
  private final String project;
  private final List<String> projects;
  private final String path;
  private final Map<String, String> pathParams;
  private final Form query;
  private final Form form;
  private final Optional<String> flash;
  private final Assets assets;
  private final boolean htmx;
  private final String origin;

  UiCall(Logins.SignedIn session, String project, List<String> projects, String path, Map<String, String> pathParams,
      Form query, Form form, Optional<String> flash, Assets assets, boolean htmx, String origin) {
    this.origin = origin;
    this.session = session;
    this.project = project;
    this.projects = List.copyOf(projects);
    this.path = path;
    this.pathParams = Map.copyOf(pathParams);
    this.query = query;
    this.form = form;
    this.flash = flash;
    this.assets = assets;
    this.htmx = htmx;
  }

  Principal principal() {
    return session.principal();
  }

  /** How the signed-in user appears in the audit log (the same form as API keys). */
  String actor() {
    return session.principal().actor();
  }

  String project() {
    return project;
  }

  String path(String name) {
    return pathParams.getOrDefault(name, "");
  }

  Form query() {
    return query;
  }

  Form form() {
    return form;
  }

  /** Scheme, host and port the browser used to reach this server (for SDK snippets). */
  String origin() {
    return origin;
  }

  /** Whether HTMX sent the request (a partial update is enough). */
  boolean htmx() {
    return htmx;
  }

  /** The layout data of a page with this title in this nav area. */
  Shell shell(String title, String navId) {
    return new Shell(title, navId, path, Optional.of(session.principal()), project, projects,
        session.csrfToken(), flash, assets);
  }

  /** A UI path in the current project (for redirects). */
  String link(String uiPath) {
    return shell("", "").link(uiPath);
  }
}
