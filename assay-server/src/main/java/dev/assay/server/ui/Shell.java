package dev.assay.server.ui;

import dev.assay.server.auth.Permission;
import dev.assay.server.auth.Principal;
import java.util.List;
import java.util.Optional;

/**
 * What the page layout shows around every page: title, navigation (with the current area), the
 * signed-in user and role, the project switcher, the CSRF token (for forms and HTMX) and a flash
 * message. {@link #allows} is the role check templates use to decide which buttons to offer; the
 * server checks the same permission again when the request arrives.
 */
public record Shell(String title, String navId, String path, Optional<Principal> principal, String project,
    List<String> projects, String csrf, Optional<String> flash, Assets assets) {
  public Shell {
    projects = List.copyOf(projects);
  }

  /** The nav entries this role sees (a page it may not open is not offered). */
  public List<Nav.Item> nav() {
    return Nav.ITEMS.stream().filter(i -> allows(i.shownTo())).toList();
  }

  public boolean current(Nav.Item item) {
    return item.id().equals(navId);
  }

  public String asset(String name) {
    return assets.url(name);
  }

  public boolean signedIn() {
    return principal.isPresent();
  }

  public String user() {
    return principal.map(Principal::name).orElse("");
  }

  public String role() {
    return principal.map(p -> p.role().wireName()).orElse("");
  }

  /** Whether the signed-in role may do this (the same matrix as the API). */
  public boolean allows(Permission p) {
    return principal.map(pr -> pr.role().allows(p)).orElse(false);
  }

  /** A link to a UI path in the current project. */
  public String link(String uiPath) {
    return uiPath + (uiPath.contains("?") ? "&" : "?") + "project=" + java.net.URLEncoder.encode(project,
        java.nio.charset.StandardCharsets.UTF_8);
  }
}
