package dev.assay.server.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.api.UnmatchedEvents;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.auth.ApiKeys;
import dev.assay.server.auth.Role;
import dev.assay.server.domain.Comments;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.events.EventStore;
import dev.assay.server.events.EventSummary;
import dev.assay.server.store.ApiKeyRecord;
import dev.assay.server.store.AuditQuery;
import dev.assay.server.store.AuditRecord;
import dev.assay.server.store.CommentStore.Comment;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.Kind;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The adapter of the catalogue, admin, events, comments and archive pages to the services the API
 * calls ({@link ConfigService}, {@link Comments}, {@link ApiKeys}, the audit log and the event
 * store), as {@link UiDomain} is for the foundation's pages: one validation, one audit. Thread-safe.
 */
final class AdminDomain {
  /** Most audit entries one page shows. */
  static final int AUDIT_PAGE = 200;
  private final ConfigService config;
  private final ConfigStore store;
  private final AuditLog audit;
  private final ApiKeys keys;
  private final EventStore events;
  private final dev.assay.server.events.DataContracts contracts;
  private final Comments comments;
  private final Clock clock;

  AdminDomain(ConfigService config, ConfigStore store, AuditLog audit, ApiKeys keys, EventStore events,
      dev.assay.server.events.DataContracts contracts, Clock clock) {
    this.contracts = contracts;
    this.config = config;
    this.store = store;
    this.audit = audit;
    this.keys = keys;
    this.events = events;
    this.comments = new Comments(store, audit);
    this.clock = clock;
  }

  // ---- catalogue: metrics, segments, layers, holdouts (documents; CatalogueForms converts) ----

  List<ObjectNode> list(Kind kind, String project) {
    return config.list(kind, project);
  }

  ObjectNode get(Kind kind, String project, String key) {
    return config.get(kind, project, key);
  }

  ObjectNode create(Kind kind, String project, JsonNode doc, String actor) {
    return config.create(kind, project, doc, actor);
  }

  ObjectNode update(Kind kind, String project, String key, JsonNode doc, String actor) {
    return config.update(kind, project, key, doc, false, actor);
  }

  void delete(Kind kind, String project, String key, long version, String actor) {
    config.delete(kind, project, key, version, actor);
  }

  // ---- audit ----

  /**
   * The newest matching entries (at most {@value #AUDIT_PAGE}), newest first, of this project or
   * global; {@code actor} matches any part of the actor, ignoring case.
   */
  List<AuditRecord> audit(AuditQuery query, String project, String actor) {
    List<AuditRecord> all = store.read(tx -> tx.audit(query));
    String who = actor.toLowerCase(Locale.ROOT);
    List<AuditRecord> out = new ArrayList<>();
    for (int i = all.size() - 1; i >= 0 && out.size() < AUDIT_PAGE; i--) {
      AuditRecord a = all.get(i);
      if ((a.scope().isEmpty() || a.scope().equals(project)) && a.actor().toLowerCase(Locale.ROOT).contains(who)) {
        out.add(a);
      }
    }
    return out;
  }

  AuditLog.Verification verify() {
    return audit.verify(store);
  }

  // ---- users and API keys ----

  List<ObjectNode> users() {
    return config.list(Kind.USER, ConfigService.DEFAULT_PROJECT);
  }

  ObjectNode createUser(JsonNode doc, String password, String actor, dev.assay.server.auth.Logins logins) {
    dev.assay.server.auth.Passwords.validate(password);
    ObjectNode user = config.create(Kind.USER, ConfigService.DEFAULT_PROJECT, doc, actor);
    logins.setPassword(user.path("key").asText(), password, actor);
    return user;
  }

  void setPassword(String userKey, String password, String actor, dev.assay.server.auth.Logins logins) {
    logins.setPassword(userKey, password, actor);
  }

  List<ApiKeyRecord> apiKeys() {
    return keys.list();
  }

  ApiKeys.CreatedKey createKey(String name, String role, List<String> projects, String actor) {
    if (name.isBlank()) {
      throw DomainException.invalid("name", "is required and must be a non-blank string");
    }
    if (name.length() > 200) {
      throw DomainException.invalid("name", "must be at most 200 characters");
    }
    Role r = Role.parse(role).orElseThrow(() -> DomainException.invalid("role",
        "must be one of admin, experimenter, analyst, viewer, was '" + role + "'"));
    List<String> known = config.projectKeys();
    for (int i = 0; i < projects.size(); i++) {
      if (!known.contains(projects.get(i))) {
        throw DomainException.invalid("projects", "project '" + projects.get(i) + "' does not exist");
      }
    }
    return keys.create(name, r, projects, actor);
  }

  void revokeKey(String id, String actor) {
    ApiKeyRecord k = keys.get(id).orElseThrow(() -> DomainException.notFound("API key '" + id + "' not found"));
    if (!k.active()) {
      throw DomainException.conflict("already_revoked", "API key '" + id + "' is already revoked", List.of());
    }
    keys.revoke(id, actor);
  }

  // ---- events ----

  /** What arrived in the project over the last {@code window}, and what of it matches nothing. */
  UiAdminModel.EventsLive events(String project, Duration window, int latest) {
    long to = clock.millis() + 1;
    long from = to - window.toMillis();
    EventSummary s = events.summary(EventStore.Scope.project(project), from, to, latest);
    UnmatchedEvents unmatched = new UnmatchedEvents(config, Optional.of(project));
    return new UiAdminModel.EventsLive(s, unmatched.exposures(s), unmatched.names(s),
        java.time.Instant.ofEpochMilli(to - 1), contracts.violations(Optional.of(project)), contracts.since());
  }

  // ---- comments ----

  List<Comment> comments(Kind kind, String project, String key) {
    return comments.list(kind, project, key);
  }

  Comment comment(Kind kind, String project, String key, String text, String actor) {
    return comments.add(kind, project, key, text, actor);
  }

  // ---- archive ----

  /** Concluded and archived experiments whose key, name, hypothesis or decision contains the query. */
  List<ObjectNode> archive(String project, String query) {
    String q = query.strip().toLowerCase(Locale.ROOT);
    return config.list(Kind.EXPERIMENT, project).stream()
        .filter(e -> e.path("status").asText().equals("concluded") || e.path("status").asText().equals("archived"))
        .filter(e -> q.isEmpty() || (e.path("key").asText() + "\n" + e.path("name").asText() + "\n"
            + e.path("hypothesis").asText() + "\n" + e.path("decision").path("writeUp").asText() + "\n"
            + e.path("decision").path("outcome").asText()).toLowerCase(Locale.ROOT).contains(q))
        .sorted((a, b) -> b.path("updatedAt").asText().compareTo(a.path("updatedAt").asText()))
        .toList();
  }
}
