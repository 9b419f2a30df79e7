package dev.assay.server.domain;

import dev.assay.server.store.Kind;
import dev.assay.server.store.StoreTransaction;
import java.util.Optional;

/**
 * A check every document write of a flag or experiment passes inside its store transaction,
 * after the version check and before anything is written (approvals.Approvals, ADR 0032): create,
 * replace, restore of a version and delete, from every path that reaches {@link ConfigService}
 * (the API, the UI's forms, as-code apply). A guard refuses a write by throwing a {@link
 * DomainException}; it may also write to {@code tx} (its writes commit or roll back with the
 * guarded one). Lifecycle actions, halts and the kill switch do not pass it.
 */
@FunctionalInterface
public interface WriteGuard {
  /** Lets everything through. */
  WriteGuard NONE = (tx, write) -> {};

  void check(StoreTransaction tx, Write write);

  /**
   * A write about to happen.
   *
   * @param action {@code create}, {@code update}, {@code restore_version} or {@code delete}
   * @param before the record now stored (empty for a create)
   * @param after the record to be stored (empty for a delete)
   */
  record Write(Kind kind, String scope, String key, String action, Optional<Object> before, Optional<Object> after) {}
}
