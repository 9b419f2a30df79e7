package dev.assay.server.domain;

import static dev.assay.server.domain.Entities.read;
import static dev.assay.server.domain.Entities.require;
import static dev.assay.server.domain.Entities.scopeOf;
import static dev.assay.server.domain.Entities.scoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.domain.model.BanditPeriod;
import dev.assay.server.domain.model.Decision;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.Flag;
import dev.assay.server.domain.model.Holdout;
import dev.assay.server.domain.model.Keyed;
import dev.assay.server.domain.model.Metric;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.domain.model.ProjectConfig;
import dev.assay.server.domain.model.SdkConnection;
import dev.assay.server.domain.model.SdkConnectionRequest;
import dev.assay.server.domain.model.Segment;
import dev.assay.server.domain.model.Versioned;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.DuplicateKeyException;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoreTransaction;
import dev.assay.server.store.StoredEntity;
import dev.assay.server.store.VersionConflictException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The management operations on config entities: validation, references between entities,
 * optimistic concurrency, the experiment lifecycle, and an audit entry for every change, all in one
 * store transaction per operation. Thread-safe.
 *
 * <p>The typed methods take and return the model records ({@link dev.assay.server.domain.model}):
 * {@link #configuration}, {@link #experiment}, {@link #metric}, {@link #create(Kind, String, Keyed,
 * String)}, {@link #update(Kind, String, Keyed, long, boolean, String)}, …. The JSON methods are the
 * HTTP edge's: they bind a client document to its record with {@link ModelJson} and return the
 * entity view (the stored document plus {@code version}, {@code createdAt}, {@code updatedAt},
 * and {@code project} for project-scoped kinds). The writes are {@link ConfigWrites}', the
 * experiment lifecycle rules {@link ExperimentLifecycle}'s, references {@link ReferenceCheck}'s.
 */
public final class ConfigService {
  /** The project used when a request names none; created at start. */
  public static final String DEFAULT_PROJECT = "default";
  static final Set<String> READ_ONLY_FIELDS = ModelJson.READ_ONLY_FIELDS;
  /** Longest reason a writer may give for a change (kept in its audit entry). */
  public static final int MAX_REASON = 500;

  private final ConfigStore store;
  private final AuditLog audit;
  private final Clock clock;
  private final SecureRandom random;
  private final ConfigWrites writes;
  private final VersionHistory history;
  private final List<Consumer<String>> changeListeners = new CopyOnWriteArrayList<>();
  private final List<LifecycleListener> lifecycleListeners = new CopyOnWriteArrayList<>();

  public ConfigService(ConfigStore store, AuditLog audit, Clock clock, SecureRandom random) {
    this.store = store;
    this.audit = audit;
    this.clock = clock;
    this.random = random;
    this.writes = new ConfigWrites(store, audit, random, new ExperimentLifecycle(clock));
    this.history = new VersionHistory(store, clock);
  }

  /**
   * Registers a listener told, after each committed change, the key of the project it touched
   * (for a change to a project itself, that project's key). Called on the writing thread.
   */
  public void onChange(Consumer<String> listener) {
    changeListeners.add(listener);
  }

  /** Told of a committed lifecycle action on a flag or experiment (alerts). */
  @FunctionalInterface
  public interface LifecycleListener {
    /** @param action {@code start}, {@code pause}, {@code stop}, {@code conclude}, {@code archive}, {@code halt}, {@code kill} or {@code restore} */
    void acted(String project, Kind kind, String key, String action, String actor);
  }

  /**
   * Registers a listener told of each committed lifecycle action, on the writing thread after the
   * change listeners; a listener that throws is logged, never fails the change.
   */
  public void onLifecycle(LifecycleListener listener) {
    lifecycleListeners.add(listener);
  }

  private void acted(String project, Kind kind, String key, String action, String actor) {
    for (LifecycleListener l : lifecycleListeners) {
      try {
        l.acted(project, kind, key, action, actor);
      } catch (RuntimeException e) {
        System.getLogger(ConfigService.class.getName()).log(System.Logger.Level.WARNING,
            "lifecycle listener failed on " + action + " of " + project + "/" + key, e);
      }
    }
  }

  private <T> T changed(Kind kind, String project, String key, T result) {
    if (kind == Kind.USER) {
      return result;
    }
    String p = kind == Kind.PROJECT ? key : project;
    for (Consumer<String> l : changeListeners) {
      l.accept(p);
    }
    store.publishChange(p);
    return result;
  }

  /**
   * Registers a listener told the project key of each change made by another server process on
   * the same store ({@link dev.assay.server.store.ConfigStore#ALL_PROJECTS} when it may have missed
   * some). Called on the store's listener thread.
   */
  public void onRemoteChange(Consumer<String> listener) {
    store.subscribeChanges(listener);
  }

  /** Every entity of a project, by kind, as views read in one transaction (a consistent snapshot). */
  public Map<Kind, List<ObjectNode>> snapshot(String project) {
    return store.read(tx -> {
      Map<Kind, List<ObjectNode>> out = new EnumMap<>(Kind.class);
      if (tx.get(Kind.PROJECT, "", project).isEmpty()) {
        return out;
      }
      for (Kind k : Kind.values()) {
        if (scoped(k)) {
          out.put(k, tx.list(k, project).stream().map(ModelJson::view).toList());
        }
      }
      return out;
    });
  }

  /**
   * What SDK payloads of a project are compiled from, as records read in one transaction (a
   * consistent snapshot); empty for a project that does not exist.
   */
  public ProjectConfig configuration(String project) {
    return store.read(tx -> {
      if (tx.get(Kind.PROJECT, "", project).isEmpty()) {
        return ProjectConfig.empty(project);
      }
      return new ProjectConfig(project, versioned(tx, Kind.FLAG, project, Flag.class),
          versioned(tx, Kind.EXPERIMENT, project, Experiment.class), versioned(tx, Kind.SEGMENT, project, Segment.class),
          versioned(tx, Kind.HOLDOUT, project, Holdout.class),
          versioned(tx, Kind.SDK_CONNECTION, project, SdkConnection.class),
          versioned(tx, Kind.ROLLOUT, project, dev.assay.server.domain.model.Rollout.class));
    });
  }

  /**
   * Tells the change listeners (payload recompilation, SSE) and other replicas that a project's
   * configuration changed outside this service's own writes (a rollout's step, written by
   * safety.Rollouts in its own transaction).
   */
  public void notifyChanged(String project) {
    changed(Kind.ROLLOUT, project, "", null);
  }

  private static <T> List<Versioned<T>> versioned(StoreTransaction tx, Kind kind, String scope, Class<T> type) {
    return tx.list(kind, scope).stream().map(e -> ModelJson.versioned(type, e)).toList();
  }

  /**
   * The entities of these kinds of a project as versioned records, read in one transaction (a
   * consistent snapshot, for the as-code planner); not found when the project does not exist.
   */
  public Map<Kind, List<Versioned<Keyed>>> records(String project, Set<Kind> kinds) {
    return store.read(tx -> {
      Map<Kind, List<Versioned<Keyed>>> out = new EnumMap<>(Kind.class);
      for (Kind k : kinds) {
        String scope = scopeOf(tx, k, project);
        out.put(k, tx.list(k, scope).stream().map(e -> keyed(k, e)).toList());
      }
      return out;
    });
  }

  @SuppressWarnings("unchecked")
  private static Versioned<Keyed> keyed(Kind kind, StoredEntity e) {
    return (Versioned<Keyed>) ModelJson.versioned(ModelJson.recordClass(kind), e);
  }

  /** An experiment of a project; not found when it or the project does not exist. */
  public Versioned<Experiment> experiment(String project, String key) {
    return store.read(tx -> ModelJson.versioned(Experiment.class,
        require(tx, Kind.EXPERIMENT, scopeOf(tx, Kind.EXPERIMENT, project), key)));
  }

  /** The experiments of a project; not found when the project does not exist. */
  public List<Versioned<Experiment>> experiments(String project) {
    return store.read(tx -> versioned(tx, Kind.EXPERIMENT, scopeOf(tx, Kind.EXPERIMENT, project), Experiment.class));
  }

  /** A metric of the catalogue of a project; not found when it does not exist. */
  public Metric metric(String project, String key) {
    return store.read(tx -> read(Metric.class, require(tx, Kind.METRIC, scopeOf(tx, Kind.METRIC, project), key)));
  }

  /** Stores an analysis snapshot of an experiment (not audited: results, not configuration). */
  public void saveSnapshot(String project, String experimentKey, int phase, JsonNode snapshot) {
    saveSnapshot(project, experimentKey, phase, snapshot, Optional.empty());
  }

  /** As above with its lineage (ADR 0043); returns the snapshot's id, durable when this returns. */
  public long saveSnapshot(String project, String experimentKey, int phase, JsonNode snapshot,
      Optional<JsonNode> lineage) {
    return Snapshots.save(store, project, experimentKey, phase, clock.millis(), snapshot, lineage);
  }

  /** The newest snapshots of an experiment, newest first, each with its {@code snapshotId}. */
  public List<JsonNode> snapshots(String project, String experimentKey, int limit) {
    return Snapshots.newest(store, project, experimentKey, limit);
  }

  /** A snapshot of a project by id, with its lineage if recorded; not found when not in this project. */
  public Snapshots.Record snapshot(String project, long id) {
    return Snapshots.byId(store, project, id);
  }

  /** Runs a periodic job on the one replica holding its lease (ConfigStore#runLeased, ADR 0029). */
  public boolean runOncePerInterval(String jobName, java.time.Duration interval, Runnable work) {
    return store.runLeased(jobName, interval.multipliedBy(3), work);
  }

  /**
   * The project holding the SDK connection with this client key, read from the store (so it also
   * finds connections another replica created a moment ago).
   */
  public Optional<String> projectOfSdkConnection(String clientKey) {
    return store.read(tx -> tx.listAll(Kind.SDK_CONNECTION).stream()
        .filter(e -> e.key().equals(clientKey)).map(StoredEntity::scope).findFirst());
  }

  /** The clock this service stamps changes with (jobs judging age read it too). */
  public Clock clock() {
    return clock;
  }

  /** Keys of all projects. */
  public List<String> projectKeys() {
    return store.read(tx -> tx.list(Kind.PROJECT, "").stream().map(StoredEntity::key).toList());
  }

  /** Experiment lifecycle actions. */
  public enum Action { START, PAUSE, STOP, CONCLUDE, ARCHIVE }

  // ---- reads ----

  public List<ObjectNode> list(Kind kind, String project) {
    return store.read(tx -> {
      String scope = scopeOf(tx, kind, project);
      return tx.list(kind, scope).stream().map(ModelJson::view).toList();
    });
  }

  public ObjectNode get(Kind kind, String project, String key) {
    return store.read(tx -> ModelJson.view(require(tx, kind, scopeOf(tx, kind, project), key)));
  }

  // ---- writes: records ----

  /**
   * Creates an entity from its record (any kind but SDK connections: {@link
   * #createSdkConnection}); references are checked, the change audited. Returns version 1.
   */
  public <T extends Keyed> Versioned<T> create(Kind kind, String project, T record, String actor) {
    StoredEntity created = writes.create(kind, project, record, actor, Optional.empty());
    return changed(kind, project, record.key(), versioned(record, created));
  }

  /** Creates an SDK connection; the server picks its client key (and its AES key when encrypted). */
  public Versioned<SdkConnection> createSdkConnection(String project, SdkConnectionRequest request, String actor) {
    StoredEntity created = writes.createSdkConnection(project, request, actor);
    return changed(Kind.SDK_CONNECTION, project, created.key(), ModelJson.versioned(SdkConnection.class, created));
  }

  /**
   * Replaces an entity's record, based on {@code version} (a stale one is a conflict). The state
   * the server keeps (an experiment's status and phases, a kill) is carried over; for a running or
   * paused experiment, changing variants or coverage requires {@code newPhase}.
   */
  public <T extends Keyed> Versioned<T> update(Kind kind, String project, T record, long version, boolean newPhase,
      String actor) {
    StoredEntity updated = writes.update(kind, project, record.key(), record, version, newPhase, actor, "update",
        Optional.empty());
    return changed(kind, project, record.key(), versioned(record, updated));
  }

  /** A lifecycle action (see {@link #transition(String, String, Action, JsonNode, String)}), then {@code within}. */
  public Versioned<Experiment> transition(String project, String key, Action action, Optional<Decision> decision,
      Optional<Long> version, String actor, Consumer<StoreTransaction> within) {
    StoredEntity updated = writes.transition(project, key, action, decision, version, actor, within);
    Versioned<Experiment> result = changed(Kind.EXPERIMENT, project, key, ModelJson.versioned(Experiment.class, updated));
    acted(project, Kind.EXPERIMENT, key, ExperimentLifecycle.lower(action), actor);
    return result;
  }

  @SuppressWarnings("unchecked")
  private static <T> Versioned<T> versioned(T record, StoredEntity e) {
    return ModelJson.versioned((Class<T>) record.getClass(), e);
  }

  // ---- writes: client documents (views in and out, for the HTTP edge) ----

  /** Creates an entity from a client document; returns the stored view (version 1). */
  public ObjectNode create(Kind kind, String project, JsonNode body, String actor) {
    return create(kind, project, body, actor, Optional.empty());
  }

  /** Creates an entity from a client document, with the reason recorded in its audit entry. */
  public ObjectNode create(Kind kind, String project, JsonNode body, String actor, Optional<String> reason) {
    if (kind == Kind.SDK_CONNECTION) {
      StoredEntity created = writes.createSdkConnection(project, ModelJson.create(SdkConnectionRequest.class, body),
          actor);
      return changed(kind, project, created.key(), ModelJson.view(created));
    }
    Keyed record = (Keyed) ModelJson.create(ModelJson.recordClass(kind), body);
    return changed(kind, project, record.key(), ModelJson.view(writes.create(kind, project, record, actor, reason)));
  }

  /**
   * Replaces an entity's document. The body must carry the {@code version} it was based on; a
   * stale version is a conflict and changes nothing. For a running or paused experiment, changing
   * variants or coverage requires {@code newPhase}, which starts a new phase (re-seeding assignment).
   */
  public ObjectNode update(Kind kind, String project, String key, JsonNode body, boolean newPhase, String actor) {
    return update(kind, project, key, body, newPhase, actor, Optional.empty());
  }

  /** Replaces an entity's document (see above), with the reason recorded in its audit entry. */
  public ObjectNode update(Kind kind, String project, String key, JsonNode body, boolean newPhase, String actor,
      Optional<String> reason) {
    long version = ModelJson.version(body);
    if (kind == Kind.SDK_CONNECTION) {
      throw DomainException.conflict("immutable", "SDK connections cannot be edited; delete and create a new one", List.of());
    }
    Object record = ModelJson.update(ModelJson.recordClass(kind), key, body);
    return changed(kind, project, key, ModelJson.view(writes.update(kind, project, key, record, version, newPhase, actor,
        "update", reason)));
  }

  /**
   * Restores the design of version {@code n} of a flag or experiment as a new version, based on
   * {@code version} (the current one; a stale one is a conflict). Everything the server keeps
   * (an experiment's status and phases, a kill) stays as it is now, exactly as for a replace; a
   * running experiment whose restored variants or coverage differ needs {@code newPhase}. Audited
   * as {@code restore_version} with the reason "restores version n" (and the writer's, if given).
   */
  public ObjectNode restore(Kind kind, String project, String key, long n, long version, boolean newPhase,
      String actor, Optional<String> reason) {
    if (kind != Kind.FLAG && kind != Kind.EXPERIMENT) {
      throw new IllegalArgumentException("only flags and experiments are restored: " + kind);
    }
    if (reason.isPresent() && (reason.get().isBlank() || reason.get().length() > MAX_REASON)) {
      throw DomainException.invalid("reason", "must be 1 to " + MAX_REASON + " characters, not blank");
    }
    Object record = ModelJson.fromStored(ModelJson.recordClass(kind), history.body(kind, project, key, n));
    String why = "restores version " + n + reason.map(r -> ": " + r).orElse("");
    StoredEntity updated = writes.update(kind, project, key, record, version, newPhase, actor, "restore_version",
        Optional.of(why));
    return changed(kind, project, key, ModelJson.view(updated));
  }

  /** The version history of flags and experiments, and the configuration of a project at a past time. */
  public VersionHistory history() {
    return history;
  }

  /** Deletes an entity at the given version, refusing while other entities refer to it. */
  public void delete(Kind kind, String project, String key, long version, String actor) {
    writes.delete(kind, project, key, version, actor);
    changed(kind, project, key, null);
  }

  /**
   * Applies a lifecycle action to an experiment: draft → running ↔ paused → stopped → concluded
   * (with a decision) → archived. An illegal action is a conflict listing the allowed ones.
   *
   * @param body for {@code CONCLUDE}, {@code {"decision": {...}}}; otherwise may be empty
   */
  public ObjectNode transition(String project, String key, Action action, JsonNode body, String actor) {
    Optional<Decision> decision = ModelJson.action(ExperimentLifecycle.lower(action), action == Action.CONCLUDE, body);
    StoredEntity updated = writes.transition(project, key, action, decision, ModelJson.optionalVersion(body), actor);
    ObjectNode view = changed(Kind.EXPERIMENT, project, key, ModelJson.view(updated));
    acted(project, Kind.EXPERIMENT, key, ExperimentLifecycle.lower(action), actor);
    return view;
  }

  /**
   * Halts a running or paused experiment: it becomes {@code stopped} with a {@code halted} record
   * (reason, actor, time), and the SDK payload then serves every unit it targets the control
   * (first) variant's value. Audited as action {@code halt} under {@code actor}.
   *
   * @return the halted experiment, or empty when it was not running or paused (nothing changed)
   */
  public Optional<Versioned<Experiment>> halt(String project, String key, String reason, String actor) {
    Optional<Versioned<Experiment>> result = writes.halt(project, key, reason, actor)
        .map(e -> ModelJson.versioned(Experiment.class, e));
    result.ifPresent(r -> changed(Kind.EXPERIMENT, project, key, r));
    result.ifPresent(r -> acted(project, Kind.EXPERIMENT, key, "halt", actor));
    return result;
  }

  /** Records a bandit weight update as a new period (ConfigWrites#banditPeriod): audited, recompiled, pushed. */
  public Optional<Versioned<Experiment>> banditPeriod(String project, String key, long version, BanditPeriod period,
      String actor) {
    Optional<Versioned<Experiment>> result = writes.banditPeriod(project, key, version, period, actor)
        .map(e -> ModelJson.versioned(Experiment.class, e));
    result.ifPresent(r -> changed(Kind.EXPERIMENT, project, key, r));
    return result;
  }

  /**
   * The kill switch: marks a flag or experiment killed (the payload then serves the flag's default
   * value, or the experiment's control variant, to everyone) or restores it. Independent of the
   * experiment lifecycle; a killed entity stays killed across edits until restored.
   *
   * @param reason why it was killed (recorded in the document and the audit log); empty to restore
   * @throws DomainException a conflict when it is already in the requested state
   */
  public ObjectNode setKilled(Kind kind, String project, String key, boolean kill, String reason, String actor) {
    ObjectNode view = changed(kind, project, key, ModelJson.view(writes.setKilled(kind, project, key, kill, reason, actor)));
    acted(project, kind, key, kill ? "kill" : "restore", actor);
    return view;
  }

  /** Installs the check every document write of a flag or experiment passes (approvals, ADR 0032). */
  public void guardWrites(WriteGuard guard) {
    writes.guard = guard;
  }

  /** Creates the default project and its production environment if missing (idempotent). */
  public void ensureDefaultProject() {
    writes.ensureDefaultProject(DEFAULT_PROJECT);
  }
}
