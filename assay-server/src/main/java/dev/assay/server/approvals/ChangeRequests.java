package dev.assay.server.approvals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.alerts.AlertType;
import dev.assay.server.alerts.Alerts;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.auth.Role;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.JsonDiff;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.domain.model.Rollout;
import dev.assay.server.safety.Rollouts;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoredEntity;
import dev.assay.server.store.VersionConflictException;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Change requests (ADR 0032): a proposed document of a flag or experiment at a base version,
 * approved by {@code required} other callers of at least the policy's role, then applied through
 * {@link ConfigService} (audited, recompiled, pushed) as a conditional write at the base version in
 * the same transaction that closes the request; a target changed meanwhile makes it {@code stale}
 * and nothing is written. The author cannot approve their own. Stored as {@link
 * Kind#CHANGE_REQUEST} entities keyed by id. A request may also propose a change of a flag's
 * progressive rollout ({@code target} {@code rollout}, ADR 0036): applied through {@link Rollouts}
 * to the rollout as it is then (a rollout moves by itself, so there is no base version); one that
 * cannot be made any more (completed, deleted) is {@code stale}. Thread-safe.
 */
public final class ChangeRequests {
  /** The conflict code when the request itself changed while it was being applied. */
  static final String CHANGED = "change_request_changed";
  /** Longest title or comment. */
  public static final int TEXT_MAX = 500;
  /* Fields the server keeps across a replace: left out of a request's diff. */
  private static final Set<String> SERVER_KEPT = Set.of("killed", "status", "phases", "decision", "halted");
  /* Fields of a rollout that a rollout request's diff leaves out: they change on every look or start. */
  private static final Set<String> ROLLOUT_BOOKKEEPING = Set.of("history", "lastLook", "id", "stepStartedAt",
      "flag", "environment");

  private final ConfigStore store;
  private final ConfigService config;
  private final AuditLog audit;
  private final Clock clock;
  private final Alerts alerts;
  private final Optional<Rollouts> rollouts;

  /** Who acts: the credential's id (identity for four-eyes), the audit actor, and the role. */
  public record Caller(String id, String actor, Role role) {}

  /** A stored request with its project and version. */
  public record Entry(String project, long version, ChangeRequest request) {}

  /** Creates the service and installs its guard on every flag and experiment write of {@code config}. */
  public ChangeRequests(ConfigStore store, ConfigService config, AuditLog audit, Clock clock, Alerts alerts) {
    this(store, config, audit, clock, alerts, Optional.empty());
  }

  /** As above, and installs the guard on the rollout changes of {@code rollouts} too (ADR 0036). */
  public ChangeRequests(ConfigStore store, ConfigService config, AuditLog audit, Clock clock, Alerts alerts,
      Rollouts rollouts) {
    this(store, config, audit, clock, alerts, Optional.of(rollouts));
  }

  private ChangeRequests(ConfigStore store, ConfigService config, AuditLog audit, Clock clock, Alerts alerts,
      Optional<Rollouts> rollouts) {
    this.store = store;
    this.config = config;
    this.audit = audit;
    this.clock = clock;
    this.alerts = alerts;
    this.rollouts = rollouts;
    ApprovalGuard guard = new ApprovalGuard(audit);
    config.guardWrites(guard);
    rollouts.ifPresent(r -> r.guard(guard));
  }

  /** Opens a request; refused when no policy covers the change (then write it directly). */
  public Entry open(String project, String target, String key, long baseVersion, JsonNode document,
      boolean newPhase, String title, Caller by) {
    Kind kind = kind(target);
    if (kind == Kind.ROLLOUT) {
      throw DomainException.invalid("target", "a rollout change is opened as a rollout request (openRollout)");
    }
    text("title", title);
    if (baseVersion < 0) {
      throw DomainException.invalid("baseVersion", "must be 0 (create) or the version the document was based on");
    }
    Proposal p = Proposal.check(store, project, kind, key, baseVersion, document);
    String id = UUID.randomUUID().toString();
    String now = clock.instant().toString();
    ChangeRequest cr = new ChangeRequest(id, target, key, baseVersion, p.document(), newPhase, title, by.id(),
        by.actor(), now, p.covering().stream().map(Policy::environment).toList(),
        p.covering().stream().mapToInt(Policy::approvals).max().orElse(1), p.role(), "open", List.of(), null, null,
        null, null);
    return insert(project, cr, by);
  }

  /**
   * Opens a request for a change of a flag's rollout that a policy covers: {@code start} (its
   * plan checked now as a {@code PUT} would be), {@code delete}, {@code advance} or {@code
   * resume}; {@code pause} and {@code rollback} never need approval (refused here: make them directly).
   */
  public Entry openRollout(String project, String flagKey, Rollouts.Change change, String title, Caller by) {
    text("title", title);
    Rollouts r = rollouts.orElseThrow(() -> DomainException.invalid("target", "rollouts are not served here"));
    if (!Rollouts.GUARDED.contains(change.action())) {
      throw DomainException.invalid("document.action", "must be one of " + Rollouts.GUARDED + " ('" + change.action()
          + "' never needs approval: make it directly)");
    }
    try {
      r.validate(project, flagKey, change);
    } catch (DomainException e) {
      throw e.category() == DomainException.Category.NOT_FOUND ? e : e.within("document");
    }
    List<Policy> covering = store.read(tx -> {
      Policies.requireProject(tx, project);
      return Policies.in(tx, project).stream().filter(p -> p.environment().equals(change.environment())).toList();
    });
    if (covering.isEmpty()) {
      throw DomainException.conflict("approval_not_required", "no approval policy of project '" + project
          + "' covers environment '" + change.environment() + "'; change the rollout directly", List.of());
    }
    Policy p = covering.get(0);
    ChangeRequest cr = new ChangeRequest(UUID.randomUUID().toString(), "rollout", flagKey, 0,
        ModelJson.toTree(change), false, title, by.id(), by.actor(), clock.instant().toString(),
        List.of(p.environment()), p.approvals(), Role.parse(p.role()).orElse(Role.ADMIN).wireName(), "open", List.of(),
        null, null, null, null);
    return insert(project, cr, by);
  }

  private Entry insert(String project, ChangeRequest cr, Caller by) {
    String id = cr.id();
    String title = cr.title();
    String target = cr.target();
    String key = cr.key();
    StoredEntity saved = store.write(tx -> {
      StoredEntity e = tx.insert(Kind.CHANGE_REQUEST, project, id, Stored.write(cr));
      audit.append(tx, by.actor(), "create", Kind.CHANGE_REQUEST.name(), project, id, Optional.empty(),
          Optional.of(e.body()), title.isBlank() ? Optional.empty() : Optional.of(title));
      return e;
    });
    alert(project, AlertType.APPROVAL_REQUESTED, cr, by.actor() + " asks for approval of a change to " + target
        + " '" + key + "' (" + cr.required() + " approval(s) needed)");
    return new Entry(project, saved.version(), cr);
  }

  /** The requests of a project, newest first, optionally of one status. */
  public List<Entry> list(String project, Optional<String> status) {
    status.ifPresent(s -> {
      if (!ChangeRequest.STATUSES.contains(s)) {
        throw DomainException.invalid("status", "must be one of " + ChangeRequest.STATUSES + ", was '" + s + "'");
      }
    });
    return store.read(tx -> {
      Policies.requireProject(tx, project);
      return tx.list(Kind.CHANGE_REQUEST, project).stream().map(e -> entry(project, e)).toList();
    }).stream().filter(e -> status.map(s -> s.equals(e.request().status())).orElse(true))
        .sorted(Comparator.comparing((Entry e) -> e.request().createdAt()).reversed()).toList();
  }

  /** One request; not found when it does not exist. */
  public Entry get(String project, String id) {
    return store.read(tx -> {
      Policies.requireProject(tx, project);
      return tx.get(Kind.CHANGE_REQUEST, project, id).map(e -> entry(project, e))
          .orElseThrow(() -> DomainException.notFound("change request '" + id + "' not found"));
    });
  }

  /**
   * The field-level changes the request makes to the target as it is now (JSON Pointer, op, from,
   * to), leaving out what the server keeps (status, phases, kill, …).
   */
  public ArrayNode diff(Entry e) {
    ChangeRequest cr = e.request();
    if (cr.target().equals("rollout")) {
      if (rollouts.isEmpty()) {
        return JsonDiff.changes(JsonNodeFactory.instance.objectNode(), (ObjectNode) cr.document().deepCopy());
      }
      Rollouts.Preview p = rollouts.get().preview(e.project(), cr.key(),
          ModelJson.fromStored(Rollouts.Change.class, cr.document().toString()));
      return JsonDiff.changes(served(p.before()), served(p.after()));
    }
    Kind kind = kind(cr.target());
    Optional<StoredEntity> current = store.read(tx -> tx.get(kind, e.project(), cr.key()));
    ObjectNode from = current.map(c -> ModelJson.parse(c.body())).orElse(JsonNodeFactory.instance.objectNode());
    ObjectNode to = ModelJson.toTree(Proposal.bind(kind, cr.key(), cr.baseVersion(), cr.document()));
    from.remove(SERVER_KEPT);
    to.remove(SERVER_KEPT);
    return JsonDiff.changes(from, to);
  }

  /* A rollout as its diff compares it: plan and state, without its bookkeeping (history, looks, ids, times). */
  private static ObjectNode served(Optional<Rollout> r) {
    ObjectNode out = r.map(x -> ModelJson.toTree(x).put("fraction", x.fraction()))
        .orElse(JsonNodeFactory.instance.objectNode());
    out.remove(ROLLOUT_BOOKKEEPING);
    return out;
  }

  /**
   * Approves a request. The author's own approval, a second one by the same caller and one by a
   * role below the policy's are refused; the approval that reaches {@code required} applies it.
   */
  public Entry approve(String project, String id, Caller by, String comment) {
    text("comment", comment);
    Entry e = get(project, id);
    ChangeRequest cr = requireOpen(e);
    if (by.id().equals(cr.authorId())) {
      throw DomainException.conflict("own_change", "the author of change request '" + id
          + "' cannot approve it; another " + cr.role() + " must", List.of());
    }
    if (cr.approvals().stream().anyMatch(r -> r.by().equals(by.id()))) {
      throw DomainException.conflict("already_approved", "you have already approved change request '" + id + "'",
          List.of());
    }
    Role least = Role.parse(cr.role()).orElse(Role.ADMIN);
    if (by.role().ordinal() < least.ordinal()) {
      throw DomainException.conflict("role_too_low", "approving change request '" + id + "' needs the role "
          + cr.role() + " or higher; you are " + by.role().wireName(), List.of());
    }
    String now = clock.instant().toString();
    ChangeRequest more = cr.approvedBy(new Review(by.id(), by.actor(), comment, now));
    if (more.approvals().size() < more.required()) {
      return save(e, more, by.actor(), "approve", comment);
    }
    return apply(e, more, by, now);
  }

  /** Rejects an open request (any caller allowed to approve it, the author included); nothing is written. */
  public Entry reject(String project, String id, Caller by, String comment) {
    text("comment", comment);
    Entry e = get(project, id);
    ChangeRequest cr = requireOpen(e);
    Entry out = save(e, cr.closed("rejected", new Review(by.id(), by.actor(), comment, clock.instant().toString()),
        null, null, clock.instant().toString()), by.actor(), "reject", comment);
    alert(project, AlertType.APPROVAL_REJECTED, out.request(), by.actor() + " rejected the change to "
        + cr.target() + " '" + cr.key() + "'");
    return out;
  }

  /** Withdraws an open request: its author or an admin only. */
  public Entry withdraw(String project, String id, Caller by, String comment) {
    text("comment", comment);
    Entry e = get(project, id);
    ChangeRequest cr = requireOpen(e);
    if (!by.id().equals(cr.authorId()) && by.role() != Role.ADMIN) {
      throw DomainException.conflict("not_author", "only the author of change request '" + id
          + "' (or an admin) may withdraw it", List.of());
    }
    return save(e, cr.closed("withdrawn", new Review(by.id(), by.actor(), comment, clock.instant().toString()), null,
        null, clock.instant().toString()), by.actor(), "withdraw", comment);
  }

  /**
   * Deletes a closed request (applied, rejected, stale or withdrawn; its history stays in the audit
   * log), so that its project can be deleted; an open one is a conflict: withdraw it first.
   */
  public void delete(String project, String id, String actor) {
    Entry e = get(project, id);
    if (e.request().isOpen()) {
      throw DomainException.conflict("open", "change request '" + id + "' is open; withdraw or reject it first",
          List.of());
    }
    store.write(tx -> {
      StoredEntity current = tx.get(Kind.CHANGE_REQUEST, project, id)
          .orElseThrow(() -> DomainException.notFound("change request '" + id + "' not found"));
      tx.delete(Kind.CHANGE_REQUEST, project, id, current.version());
      audit.append(tx, actor, "delete", Kind.CHANGE_REQUEST.name(), project, id, Optional.of(current.body()),
          Optional.empty());
      return null;
    });
  }

  private Entry apply(Entry e, ChangeRequest approved, Caller by, String now) {
    ChangeRequest cr = e.request();
    boolean rollout = cr.target().equals("rollout");
    Kind kind = kind(cr.target());
    String actor = "change request " + cr.id() + " by " + cr.author() + ", approved by "
        + String.join(", ", approved.approvals().stream().map(Review::actor).toList());
    Optional<String> reason = Optional.of(cr.title().isBlank() ? "change request " + cr.id() : cr.title());
    Optional<Rollouts.Change> change = rollout
        ? Optional.of(ModelJson.fromStored(Rollouts.Change.class, cr.document().toString())) : Optional.empty();
    ApprovalGuard.Applying a = new ApprovalGuard.Applying(kind, e.project(), change.map(c -> Rollout.storeKey(cr.key(),
        c.environment())).orElse(cr.key()), cr.id(), e.version(), approved, by.actor(), now);
    try {
      ApprovalGuard.applying(a, () -> {
        if (change.isPresent()) {
          Rollouts.Change c = change.get();
          return rollouts.orElseThrow().apply(e.project(), cr.key(), new Rollouts.Change(c.environment(), c.action(),
              c.plan(), c.reason().isEmpty() ? reason.get() : c.reason()), actor);
        }
        if (cr.baseVersion() == 0) {
          return config.create(kind, e.project(), cr.document(), actor, reason);
        }
        ObjectNode doc = cr.document().deepCopy();
        doc.put("version", cr.baseVersion());
        return config.update(kind, e.project(), cr.key(), doc, cr.newPhase(), actor, reason);
      });
    } catch (DomainException | VersionConflictException ex) {
      if (ex instanceof DomainException d && (d.code().equals(CHANGED) || d.category() == DomainException.Category.BUSY)) {
        throw d;
      }
      Entry stale = save(e, approved.closed("stale", null, ex.getMessage(), null, now), by.actor(), "stale",
          ex.getMessage());
      alert(e.project(), AlertType.APPROVAL_STALE, stale.request(), "the change to " + cr.target() + " '"
          + cr.key() + "' went stale and was not applied: " + ex.getMessage());
      return stale;
    }
    Entry done = get(e.project(), cr.id());
    alert(e.project(), AlertType.APPROVAL_APPLIED, done.request(), "the change to " + cr.target() + " '" + cr.key()
        + "' was approved and applied");
    return done;
  }

  private Entry save(Entry e, ChangeRequest next, String actor, String action, String comment) {
    try {
      StoredEntity saved = store.write(tx -> {
        StoredEntity s = tx.update(Kind.CHANGE_REQUEST, e.project(), next.id(), e.version(), Stored.write(next));
        audit.append(tx, actor, action, Kind.CHANGE_REQUEST.name(), e.project(), next.id(),
            Optional.of(Stored.write(e.request())), Optional.of(s.body()),
            comment.isBlank() ? Optional.empty() : Optional.of(comment));
        return s;
      });
      return new Entry(e.project(), saved.version(), next);
    } catch (VersionConflictException ex) {
      throw DomainException.conflict(CHANGED, "change request '" + next.id() + "' changed meanwhile; read it again",
          List.of());
    }
  }

  private static ChangeRequest requireOpen(Entry e) {
    if (!e.request().isOpen()) {
      throw DomainException.conflict("not_open", "change request '" + e.request().id() + "' is "
          + e.request().status() + ", not open", List.of());
    }
    return e.request();
  }

  private void alert(String project, AlertType type, ChangeRequest cr, String summary) {
    ObjectNode payload = JsonNodeFactory.instance.objectNode();
    payload.put("id", cr.id()).put("target", cr.target()).put("key", cr.key()).put("status", cr.status())
        .put("author", cr.author());
    alerts.emit(project, type, summary, payload);
  }

  static Kind kind(String target) {
    return switch (target) {
      case "flag" -> Kind.FLAG;
      case "experiment" -> Kind.EXPERIMENT;
      case "rollout" -> Kind.ROLLOUT;
      default -> throw DomainException.invalid("target", "must be 'flag', 'experiment' or 'rollout', was '" + target
          + "'");
    };
  }

  private static void text(String field, String value) {
    if (value.length() > TEXT_MAX) {
      throw DomainException.invalid(field, "must be at most " + TEXT_MAX + " characters");
    }
  }

  private static Entry entry(String project, StoredEntity e) {
    return new Entry(project, e.version(), Stored.read(e.body(), ChangeRequest.class));
  }
}
