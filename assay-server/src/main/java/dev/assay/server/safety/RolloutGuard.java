package dev.assay.server.safety;

import dev.assay.server.store.StoreTransaction;

/**
 * A check the rollout changes made by people pass inside their store transaction, after the
 * version check and before anything is written (approvals, ADR 0036): a plan put (action {@code
 * start}), a delete, and the hand actions that raise what is served ({@code advance}, {@code
 * resume}), from the API, scheduled changes and applied change requests. The evaluator's own
 * transitions and the hand actions that lower or freeze what is served ({@code pause}, {@code
 * rollback}) never pass it. A guard refuses by throwing a {@code DomainException}; it may also
 * write to {@code tx} (its writes commit or roll back with the guarded one).
 */
@FunctionalInterface
public interface RolloutGuard {
  /** Lets everything through. */
  RolloutGuard NONE = (tx, project, flag, environment, action) -> {};

  void check(StoreTransaction tx, String project, String flag, String environment, String action);
}
