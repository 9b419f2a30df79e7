package dev.assay.server.domain;

import static dev.assay.server.domain.Entities.checkVersion;
import static dev.assay.server.domain.Entities.insert;
import static dev.assay.server.domain.Entities.noun;
import static dev.assay.server.domain.Entities.read;
import static dev.assay.server.domain.Entities.require;
import static dev.assay.server.domain.Entities.scopeOf;
import static dev.assay.server.domain.Entities.scoped;

import dev.assay.server.audit.AuditLog;
import dev.assay.server.domain.ConfigService.Action;
import dev.assay.server.domain.model.BanditPeriod;
import dev.assay.server.domain.model.Decision;
import dev.assay.server.domain.model.Environment;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.ExperimentStatus;
import dev.assay.server.domain.model.Flag;
import dev.assay.server.domain.model.Keyed;
import dev.assay.server.domain.model.Kill;
import dev.assay.server.domain.model.Metric;
import dev.assay.server.domain.model.Phase;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.domain.model.Project;
import dev.assay.server.domain.model.SdkConnection;
import dev.assay.server.domain.model.SdkConnectionRequest;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoreTransaction;
import dev.assay.server.store.StoredEntity;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;

/**
 * The writes of {@link ConfigService}, each in one store transaction with its audit entry:
 * references checked ({@link ReferenceCheck}), versions compared, the experiment lifecycle
 * applied ({@link ExperimentLifecycle}). Returns the stored entity; change notification is the
 * caller's. Thread-safe.
 */
final class ConfigWrites {
  private final ConfigStore store;
  private final AuditLog audit;
  private final SecureRandom random;
  private final ExperimentLifecycle lifecycle;
  volatile WriteGuard guard = WriteGuard.NONE;

  ConfigWrites(ConfigStore store, AuditLog audit, SecureRandom random, ExperimentLifecycle lifecycle) {
    this.store = store;
    this.audit = audit;
    this.random = random;
    this.lifecycle = lifecycle;
  }

  StoredEntity create(Kind kind, String project, Keyed record, String actor, Optional<String> reason) {
    checkSql(record);
    return store.write(tx -> {
      String scope = scopeOf(tx, kind, project);
      ReferenceCheck.check(tx, scope, record);
      guard(tx, kind, scope, record.key(), "create", Optional.empty(), Optional.of(record));
      StoredEntity created = insert(tx, kind, scope, record.key(), record);
      audit.append(tx, actor, "create", kind.name(), scope, record.key(), Optional.empty(), Optional.of(created.body()),
          reason);
      return created;
    });
  }

  StoredEntity createSdkConnection(String project, SdkConnectionRequest request, String actor) {
    SdkConnection connection = SdkConnections.issue(request, random);
    return store.write(tx -> {
      String scope = scopeOf(tx, Kind.SDK_CONNECTION, project);
      ReferenceCheck.require(tx, Kind.ENVIRONMENT, scope, connection.environment(), "environment");
      StoredEntity created = insert(tx, Kind.SDK_CONNECTION, scope, connection.key(), connection);
      audit.append(tx, actor, "create", Kind.SDK_CONNECTION.name(), scope, connection.key(),
          Optional.empty(), Optional.of(created.body()));
      return created;
    });
  }

  /**
   * Replaces an entity's record at {@code version}; audited as {@code action} ({@code update}, or
   * {@code restore_version} for a restore of an earlier version) with the writer's reason.
   */
  StoredEntity update(Kind kind, String project, String key, Object record, long version, boolean newPhase,
      String actor, String action, Optional<String> reason) {
    if (kind == Kind.SDK_CONNECTION) {
      throw DomainException.conflict("immutable", "SDK connections cannot be edited; delete and create a new one", List.of());
    }
    checkSql(record);
    return store.write(tx -> {
      String scope = scopeOf(tx, kind, project);
      StoredEntity current = require(tx, kind, scope, key);
      checkVersion(kind, key, version, current);
      ReferenceCheck.check(tx, scope, record);
      Object next = switch (record) {
        case Experiment e -> lifecycle.update(tx, scope, read(Experiment.class, current), e, newPhase);
        case Flag f -> f.withKilled(read(Flag.class, current).killed());
        default -> record;
      };
      guard(tx, kind, scope, key, action, Optional.of(current), Optional.of(next));
      StoredEntity updated = Entities.update(tx, kind, scope, current, next);
      audit.append(tx, actor, action, kind.name(), scope, key, Optional.of(current.body()), Optional.of(updated.body()),
          reason);
      return updated;
    });
  }

  private void guard(StoreTransaction tx, Kind kind, String scope, String key, String action,
      Optional<StoredEntity> current, Optional<Object> after) {
    if (kind == Kind.FLAG || kind == Kind.EXPERIMENT) {
      Optional<Object> before = current.<Object>map(c -> read(ModelJson.recordClass(kind), c));
      guard.check(tx, new WriteGuard.Write(kind, scope, key, action, before, after));
    }
  }

  /* A metric's own SQL must pass the sandbox's rules when it is written (and again when it runs). */
  private static void checkSql(Object record) {
    if (record instanceof Metric m) {
      m.sql().ifPresent(sql -> MetricSql.check("sql", sql));
    }
  }

  /** Deletes an entity at the given version, refusing while other entities refer to it. */
  void delete(Kind kind, String project, String key, long version, String actor) {
    store.write(tx -> {
      String scope = scopeOf(tx, kind, project);
      StoredEntity current = require(tx, kind, scope, key);
      checkVersion(kind, key, version, current);
      if (kind == Kind.EXPERIMENT) {
        ExperimentLifecycle.checkDeletable(read(Experiment.class, current));
      }
      if (kind == Kind.PROJECT && !key.equals(ConfigService.DEFAULT_PROJECT)) {
        // The project's privacy settings and ε ledgers are part of it, not entities to delete first.
        for (Kind k : java.util.List.of(Kind.PRIVACY, Kind.DP_BUDGET)) {
          for (StoredEntity e : tx.list(k, key)) {
            tx.delete(k, key, e.key(), e.version());
          }
        }
        for (Kind k : Kind.values()) {
          if (scoped(k) && !tx.list(k, key).isEmpty()) {
            throw DomainException.conflict("in_use", "project '" + key + "' still has " + noun(k)
                + " entities; delete them first", List.of());
          }
        }
      } else if (kind == Kind.PROJECT) {
        throw DomainException.conflict("in_use", "the default project cannot be deleted", List.of());
      }
      List<String> users = ReferenceCheck.referrers(tx, scope, kind, key);
      if (!users.isEmpty()) {
        throw DomainException.conflict("in_use", noun(kind) + " '" + key + "' is referenced by " + users,
            users.stream().map(u -> new DomainException.Detail(u, "refers to " + noun(kind) + " '" + key + "'")).toList());
      }
      guard(tx, kind, scope, key, "delete", Optional.of(current), Optional.empty());
      tx.delete(kind, scope, key, version);
      audit.append(tx, actor, "delete", kind.name(), scope, key, Optional.of(current.body()), Optional.empty());
      return null;
    });
  }

  StoredEntity transition(String project, String key, Action action, Optional<Decision> decision,
      Optional<Long> version, String actor) {
    return transition(project, key, action, decision, version, actor, tx -> { });
  }

  /* The transition, then {@code within} in the same transaction (its exception undoes both). */
  StoredEntity transition(String project, String key, Action action, Optional<Decision> decision,
      Optional<Long> version, String actor, java.util.function.Consumer<StoreTransaction> within) {
    return store.write(tx -> {
      String scope = scopeOf(tx, Kind.EXPERIMENT, project);
      StoredEntity current = require(tx, Kind.EXPERIMENT, scope, key);
      if (version.isPresent()) {
        checkVersion(Kind.EXPERIMENT, key, version.get(), current);
      }
      Experiment next = lifecycle.transition(tx, scope, read(Experiment.class, current), action, decision);
      StoredEntity updated = Entities.update(tx, Kind.EXPERIMENT, scope, current, next);
      audit.append(tx, actor, ExperimentLifecycle.lower(action), Kind.EXPERIMENT.name(), scope, key,
          Optional.of(current.body()), Optional.of(updated.body()));
      within.accept(tx);
      return updated;
    });
  }

  Optional<StoredEntity> halt(String project, String key, String reason, String actor) {
    return store.write(tx -> {
      String scope = scopeOf(tx, Kind.EXPERIMENT, project);
      StoredEntity current = require(tx, Kind.EXPERIMENT, scope, key);
      Optional<Experiment> next = lifecycle.halt(read(Experiment.class, current), reason, actor);
      if (next.isEmpty()) {
        return Optional.<StoredEntity>empty();
      }
      StoredEntity updated = Entities.update(tx, Kind.EXPERIMENT, scope, current, next.get());
      audit.append(tx, actor, "halt", Kind.EXPERIMENT.name(), scope, key, Optional.of(current.body()),
          Optional.of(updated.body()));
      return Optional.of(updated);
    });
  }

  /**
   * Appends a bandit period to the current phase of a running experiment, decided by a conditional
   * write at {@code version} (the one the update was computed from); empty when it is no longer
   * running or another writer changed it first (nothing written).
   */
  Optional<StoredEntity> banditPeriod(String project, String key, long version, BanditPeriod period, String actor) {
    return store.write(tx -> {
      String scope = scopeOf(tx, Kind.EXPERIMENT, project);
      StoredEntity current = require(tx, Kind.EXPERIMENT, scope, key);
      Experiment e = read(Experiment.class, current);
      if (current.version() != version || e.status() != ExperimentStatus.RUNNING || e.phases().isEmpty()) {
        return Optional.<StoredEntity>empty();
      }
      List<Phase> phases = new java.util.ArrayList<>(e.phases());
      phases.set(phases.size() - 1, phases.get(phases.size() - 1).withPeriod(period));
      Experiment next = e.withState(e.status(), phases, e.decision(), e.halted(), e.killed());
      StoredEntity updated = Entities.update(tx, Kind.EXPERIMENT, scope, current, next);
      audit.append(tx, actor, "bandit_update", Kind.EXPERIMENT.name(), scope, key, Optional.of(current.body()),
          Optional.of(updated.body()));
      return Optional.of(updated);
    });
  }

  StoredEntity setKilled(Kind kind, String project, String key, boolean kill, String reason, String actor) {
    if (kind != Kind.FLAG && kind != Kind.EXPERIMENT) {
      throw new IllegalArgumentException("only flags and experiments have a kill switch");
    }
    return store.write(tx -> {
      String scope = scopeOf(tx, kind, project);
      StoredEntity current = require(tx, kind, scope, key);
      Object record = read(ModelJson.recordClass(kind), current);
      boolean killed = record instanceof Flag f ? f.killed().isPresent() : ((Experiment) record).killed().isPresent();
      if (killed == kill) {
        throw DomainException.conflict(kill ? "already_killed" : "not_killed", noun(kind) + " '" + key + "' is "
            + (kill ? "already killed; restore it first" : "not killed"), List.of());
      }
      Optional<Kill> state = kill ? Optional.of(lifecycle.kill(actor, reason)) : Optional.empty();
      Object next = record instanceof Flag f ? f.withKilled(state) : ((Experiment) record).withKilled(state);
      StoredEntity updated = Entities.update(tx, kind, scope, current, next);
      audit.append(tx, actor, kill ? "kill" : "restore", kind.name(), scope, key,
          Optional.of(current.body()), Optional.of(updated.body()));
      return updated;
    });
  }

  void ensureDefaultProject(String key) {
    store.write(tx -> {
      if (tx.get(Kind.PROJECT, "", key).isEmpty()) {
        StoredEntity e = insert(tx, Kind.PROJECT, "", key, new Project(key, "Default project", ""));
        audit.append(tx, "system", "create", Kind.PROJECT.name(), "", key, Optional.empty(), Optional.of(e.body()));
        StoredEntity en = insert(tx, Kind.ENVIRONMENT, key, "production", new Environment("production", "Production", ""));
        audit.append(tx, "system", "create", Kind.ENVIRONMENT.name(), key, "production", Optional.empty(),
            Optional.of(en.body()));
      }
      return null;
    });
  }
}
