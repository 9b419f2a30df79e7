package dev.assay.server.ui;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.auth.ApiKeys;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import dev.assay.server.events.EventGovernance;
import dev.assay.server.store.ApiKeyRecord;
import dev.assay.server.store.AuditQuery;
import dev.assay.server.store.AuditRecord;
import dev.assay.server.store.Kind;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The audit log (filter by entity, actor and time; the chain's verification for admins) and the
 * admin page of users and API keys: create a user with a role and password, reset a password,
 * create an API key (its token shown once, with a copy button) and revoke one.
 */
public final class AdminPages implements UiRoutes.Area {
  /** The kinds the audit log records, as its filter offers them. */
  static final List<String> AUDIT_KINDS;

  static {
    List<String> kinds = new ArrayList<>();
    for (Kind k : Kind.values()) {
      kinds.add(k.name().toLowerCase(Locale.ROOT));
    }
    kinds.add("api_key");
    kinds.add(EventGovernance.AUDIT_KIND.toLowerCase(Locale.ROOT));
    AUDIT_KINDS = List.copyOf(kinds);
  }

  private static final Set<String> USER_INPUTS = Set.of("key", "name", "email", "role", "projects", "password");
  private static final Set<String> KEY_INPUTS = Set.of("name", "role", "projects");
  private static final List<String> ROLES = List.of("viewer", "analyst", "experimenter", "admin");
  private final UiContext ui;

  AdminPages(UiContext ui) {
    this.ui = ui;
  }

  /** The model of {@code admin/audit.jte}. */
  public record AuditView(Shell shell, List<String> kinds, List<AuditRecord> entries, Form filter, FormErrors errors,
      Optional<AuditLog.Verification> verification) {
    public String time(Instant at) {
      return at.toString();
    }
  }

  /** A user in the list. */
  public record User(String key, String name, String email, String role, List<String> projects) {}

  /** The model of {@code admin/users.jte}; {@code newToken} is shown once, right after creation. */
  public record UsersView(Shell shell, List<String> roles, List<User> users, List<ApiKeyRecord> keys, Form userForm,
      FormErrors userErrors, Form keyForm, FormErrors keyErrors, Optional<ApiKeys.CreatedKey> newKey,
      Optional<String> passwordUser, FormErrors passwordErrors) {}

  @Override
  public List<String> navIds() {
    return List.of("audit", "users");
  }

  @Override
  public void register(Pages pages) {
    pages.get("/ui/audit", Permission.READ_AUDIT, c -> audit(c, Optional.empty()));
    pages.get("/ui/audit/verify", Permission.ADMIN, c -> audit(c, Optional.of(ui.admin().verify())));
    pages.get("/ui/users", Permission.ADMIN, c -> users(c, 200, Form.empty(), FormErrors.NONE, Form.empty(),
        FormErrors.NONE, Optional.empty(), Optional.empty(), FormErrors.NONE));
    pages.post("/ui/users", Permission.ADMIN, this::createUser);
    pages.post("/ui/users/{key}/password", Permission.ADMIN, c -> {
      try {
        ui.admin().setPassword(c.path("key"), c.form().raw("password"), c.actor(), ui.logins());
        return UiResponse.redirect(c.link("/ui/users"), "Password of " + c.path("key") + " set; their sessions ended.");
      } catch (DomainException e) {
        return users(c, CataloguePages.status(e), Form.empty(), FormErrors.NONE, Form.empty(), FormErrors.NONE,
            Optional.empty(), Optional.of(c.path("key")), FormErrors.of(e, Set.of("password")));
      }
    });
    pages.post("/ui/users/keys", Permission.ADMIN, c -> {
      Form f = c.form();
      try {
        ApiKeys.CreatedKey created = ui.admin().createKey(f.get("name"), f.get("role"), list(f.get("projects")),
            c.actor());
        return users(c, 201, Form.empty(), FormErrors.NONE, Form.empty(), FormErrors.NONE, Optional.of(created),
            Optional.empty(), FormErrors.NONE);
      } catch (DomainException e) {
        return users(c, CataloguePages.status(e), Form.empty(), FormErrors.NONE, f, FormErrors.of(e, KEY_INPUTS),
            Optional.empty(), Optional.empty(), FormErrors.NONE);
      }
    });
    pages.post("/ui/users/keys/{id}/revoke", Permission.ADMIN, c -> {
      ui.admin().revokeKey(c.path("id"), c.actor());
      return UiResponse.redirect(c.link("/ui/users"), "API key " + c.path("id") + " revoked.");
    });
  }

  private UiResponse audit(UiCall c, Optional<AuditLog.Verification> verification) {
    Form q = c.query();
    FormErrors errors = FormErrors.NONE;
    List<AuditRecord> entries = List.of();
    try {
      String kind = q.get("kind");
      if (!kind.isEmpty() && !AUDIT_KINDS.contains(kind)) {
        throw DomainException.invalid("kind", "unknown kind '" + kind + "'; one of " + AUDIT_KINDS);
      }
      AuditQuery query = new AuditQuery(kind.isEmpty() ? Optional.empty() : Optional.of(kind.toUpperCase(Locale.ROOT)),
          optional(q.get("key")), Optional.empty(), time("from", q.get("from")), time("to", q.get("to")), 0,
          Integer.MAX_VALUE);
      entries = ui.admin().audit(query, c.project(), q.get("actor"));
    } catch (DomainException e) {
      errors = FormErrors.of(e, Set.of("kind", "key", "actor", "from", "to"));
    }
    AuditView view = new AuditView(c.shell("Audit log", "audit"), AUDIT_KINDS, entries, q, errors, verification);
    return new UiResponse.Html(errors.any() ? 400 : 200, ui.views().render("admin/audit.jte", view));
  }

  /* A time typed in a datetime-local input (read as UTC) or as an ISO-8601 instant. */
  private static Optional<Instant> time(String field, String text) {
    if (text.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(text.endsWith("Z") ? Instant.parse(text) : LocalDateTime.parse(text).toInstant(ZoneOffset.UTC));
    } catch (DateTimeParseException e) {
      throw DomainException.invalid(field, "must be a date and time such as 2026-01-31T12:00 (UTC), was '" + text + "'");
    }
  }

  private static Optional<String> optional(String s) {
    return s.isEmpty() ? Optional.empty() : Optional.of(s);
  }

  private UiResponse createUser(UiCall c) {
    Form f = c.form();
    ObjectNode doc = JsonNodeFactory.instance.objectNode();
    for (String field : List.of("key", "name", "email", "role")) {
      if (!f.get(field).isEmpty()) {
        doc.put(field, f.get(field));
      }
    }
    ArrayNode projects = doc.putArray("projects");
    list(f.get("projects")).forEach(projects::add);
    try {
      ui.admin().createUser(doc, f.raw("password"), c.actor(), ui.logins());
      return UiResponse.redirect(c.link("/ui/users"), "User " + f.get("key") + " created; they can sign in now.");
    } catch (DomainException e) {
      return users(c, CataloguePages.status(e), f, FormErrors.of(e, USER_INPUTS), Form.empty(), FormErrors.NONE,
          Optional.empty(), Optional.empty(), FormErrors.NONE);
    }
  }

  private static List<String> list(String text) {
    List<String> out = new ArrayList<>();
    for (String s : text.split(",")) {
      if (!s.isBlank()) {
        out.add(s.strip());
      }
    }
    return out;
  }

  private UiResponse users(UiCall c, int status, Form userForm, FormErrors userErrors, Form keyForm,
      FormErrors keyErrors, Optional<ApiKeys.CreatedKey> newKey, Optional<String> passwordUser,
      FormErrors passwordErrors) {
    List<User> users = ui.admin().users().stream().map(u -> new User(u.path("key").asText(), u.path("name").asText(),
        u.path("email").asText(), u.path("role").asText(), UiDomain.strings(u.path("projects")))).toList();
    UsersView view = new UsersView(c.shell("Users and API keys", "users"), ROLES, users, ui.admin().apiKeys(),
        userForm, userErrors, keyForm, keyErrors, newKey, passwordUser, passwordErrors);
    return new UiResponse.Html(status, ui.views().render("admin/users.jte", view));
  }
}
