package dev.assay.server.approvals;

import dev.assay.server.audit.AuditLog;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.WriteGuard;
import dev.assay.server.domain.model.Rollout;
import dev.assay.server.safety.RolloutGuard;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoreTransaction;
import dev.assay.server.store.StoredEntity;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Refuses a direct write of a flag or experiment that an approval policy covers (409 {@code
 * approval_required}, naming the policies and how to open a change request), from every path that
 * writes through {@code ConfigService}. The one write it lets through is the apply of an approved
 * change request on the applying thread, and in that write's transaction it closes the request as
 * {@code applied}: a conditional write at the request's version, so the target and the request
 * commit together or not at all. As a {@link RolloutGuard} it does the same for the rollout changes
 * that raise what an environment with a policy serves (ADR 0036).
 */
final class ApprovalGuard implements WriteGuard, RolloutGuard {
  private static final ThreadLocal<Applying> APPLYING = new ThreadLocal<>();
  private final AuditLog audit;

  /** The apply in progress on this thread: the request at its version, closed with {@code last}'s approval. */
  record Applying(Kind kind, String project, String key, String id, long version, ChangeRequest approved,
      String actor, String at) {}

  ApprovalGuard(AuditLog audit) {
    this.audit = audit;
  }

  /** Runs {@code write} as the apply of a change request (the guard lets its one write through). */
  static <T> T applying(Applying a, java.util.function.Supplier<T> write) {
    APPLYING.set(a);
    try {
      return write.get();
    } finally {
      APPLYING.remove();
    }
  }

  @Override
  public void check(StoreTransaction tx, Write w) {
    Applying a = APPLYING.get();
    if (a != null && a.kind() == w.kind() && a.project().equals(w.scope()) && a.key().equals(w.key())) {
      close(tx, a);
      return;
    }
    List<Policy> covering = Coverage.covering(tx, w, Policies.in(tx, w.scope()));
    if (covering.isEmpty()) {
      return;
    }
    String noun = w.kind().name().toLowerCase(Locale.ROOT);
    throw DomainException.conflict("approval_required", "this change to " + noun + " '" + w.key()
        + "' needs approval by the policy of environment " + covering.stream().map(Policy::environment).toList()
        + "; open a change request: POST /api/v1/change-requests with {\"target\": \"" + noun + "\", \"key\": \""
        + w.key() + "\", \"baseVersion\", \"document\"}",
        covering.stream().map(p -> new DomainException.Detail("environments." + p.environment(), "needs "
            + p.approvals() + " approval(s) by another " + p.role() + " or higher: open a change request")).toList());
  }

  @Override
  public void check(StoreTransaction tx, String project, String flag, String environment, String action) {
    Applying a = APPLYING.get();
    if (a != null && a.kind() == Kind.ROLLOUT && a.project().equals(project)
        && a.key().equals(Rollout.storeKey(flag, environment))) {
      close(tx, a);
      return;
    }
    List<Policy> covering = Policies.in(tx, project).stream().filter(p -> p.environment().equals(environment))
        .toList();
    if (covering.isEmpty()) {
      return;
    }
    Policy p = covering.get(0);
    throw DomainException.conflict("approval_required", "this rollout change ('" + action + "' of flag '" + flag
        + "' in '" + environment + "') needs approval by the policy of environment " + environment
        + "; open a change request: POST /api/v1/change-requests with {\"target\": \"rollout\", \"key\": \""
        + flag + "\", \"document\": {\"environment\": \"" + environment + "\", \"action\": \"" + action + "\""
        + (action.equals("start") ? ", \"plan\": {...}" : "") + "}} (pause and rollback need no approval)",
        List.of(new DomainException.Detail("environments." + environment, "needs " + p.approvals()
            + " approval(s) by another " + p.role() + " or higher: open a change request")));
  }

  private void close(StoreTransaction tx, Applying a) {
    StoredEntity current = tx.get(Kind.CHANGE_REQUEST, a.project(), a.id()).orElseThrow(() ->
        DomainException.conflict(ChangeRequests.CHANGED, "change request '" + a.id() + "' was deleted", List.of()));
    ChangeRequest cr = Stored.read(current.body(), ChangeRequest.class);
    if (current.version() != a.version() || !cr.isOpen()) {
      throw DomainException.conflict(ChangeRequests.CHANGED, "change request '" + a.id() + "' changed meanwhile ("
          + cr.status() + "); nothing was applied", List.of());
    }
    long next = tx.get(a.kind(), a.project(), a.key()).map(e -> e.version() + 1).orElse(1L);
    ChangeRequest applied = a.approved().closed("applied", null, "applied as version " + next, next, a.at());
    StoredEntity saved = tx.update(Kind.CHANGE_REQUEST, a.project(), a.id(), current.version(), Stored.write(applied));
    audit.append(tx, a.actor(), "apply", Kind.CHANGE_REQUEST.name(), a.project(), a.id(),
        Optional.of(current.body()), Optional.of(saved.body()));
  }

  static Optional<Applying> current() {
    return Optional.ofNullable(APPLYING.get());
  }
}
