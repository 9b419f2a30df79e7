package dev.assay.server.approvals;

import dev.assay.server.audit.AuditLog;
import dev.assay.server.auth.Role;
import dev.assay.server.domain.DomainException;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoreTransaction;
import dev.assay.server.store.StoredEntity;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The approval policies of a project, one per environment ({@link Kind#APPROVAL_POLICY}, keyed by
 * the environment's key), managed by admins; every change audited.
 */
public final class Policies {
  private final ConfigStore store;
  private final AuditLog audit;
  private final Clock clock;

  public Policies(ConfigStore store, AuditLog audit, Clock clock) {
    this.store = store;
    this.audit = audit;
    this.clock = clock;
  }

  /** Sets (creates or replaces) the policy of an environment that must exist. */
  public Policy set(String project, String environment, int approvals, String role, String actor) {
    if (approvals < 1 || approvals > Policy.MAX_APPROVALS) {
      throw DomainException.invalid("approvals", "must be 1 to " + Policy.MAX_APPROVALS + ", was " + approvals);
    }
    if (Role.parse(role).isEmpty()) {
      throw DomainException.invalid("role", "must be one of viewer, analyst, experimenter, admin; was '" + role + "'");
    }
    Policy p = new Policy(environment, approvals, role, actor, clock.instant().toString());
    return store.write(tx -> {
      requireProject(tx, project);
      if (tx.get(Kind.ENVIRONMENT, project, environment).isEmpty()) {
        throw DomainException.notFound("environment '" + environment + "' not found in project '" + project + "'");
      }
      Optional<StoredEntity> current = tx.get(Kind.APPROVAL_POLICY, project, environment);
      StoredEntity saved = current.isPresent()
          ? tx.update(Kind.APPROVAL_POLICY, project, environment, current.get().version(), Stored.write(p))
          : tx.insert(Kind.APPROVAL_POLICY, project, environment, Stored.write(p));
      audit.append(tx, actor, current.isPresent() ? "update" : "create", Kind.APPROVAL_POLICY.name(), project,
          environment, current.map(StoredEntity::body), Optional.of(saved.body()));
      return p;
    });
  }

  /** The policies of a project, by environment. */
  public List<Policy> list(String project) {
    return store.read(tx -> {
      requireProject(tx, project);
      return in(tx, project);
    });
  }

  /** Removes the policy of an environment; not found when it has none. */
  public void delete(String project, String environment, String actor) {
    store.write(tx -> {
      requireProject(tx, project);
      StoredEntity current = tx.get(Kind.APPROVAL_POLICY, project, environment).orElseThrow(() ->
          DomainException.notFound("environment '" + environment + "' has no approval policy"));
      tx.delete(Kind.APPROVAL_POLICY, project, environment, current.version());
      audit.append(tx, actor, "delete", Kind.APPROVAL_POLICY.name(), project, environment,
          Optional.of(current.body()), Optional.empty());
      return null;
    });
  }

  static List<Policy> in(StoreTransaction tx, String project) {
    return tx.list(Kind.APPROVAL_POLICY, project).stream().map(e -> Stored.read(e.body(), Policy.class))
        .sorted(Comparator.comparing(Policy::environment)).toList();
  }

  static void requireProject(StoreTransaction tx, String project) {
    if (tx.get(Kind.PROJECT, "", project).isEmpty()) {
      throw DomainException.notFound("project '" + project + "' not found");
    }
  }
}
