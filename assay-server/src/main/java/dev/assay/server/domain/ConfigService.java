package dev.assay.server.domain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.domain.Specs.Decision;
import dev.assay.server.domain.Specs.ExperimentSpec;
import dev.assay.server.domain.Specs.FlagSpec;
import dev.assay.server.domain.Specs.Phase;
import dev.assay.server.domain.Specs.Variant;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.DuplicateKeyException;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoreTransaction;
import dev.assay.server.store.StoredEntity;
import dev.assay.server.store.VersionConflictException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.Set;

/**
 * The management operations on config entities: validation, references between entities,
 * optimistic concurrency, the experiment lifecycle, and an audit entry for every change, all in one
 * store transaction per operation. Thread-safe.
 *
 * <p>Documents go in and out as JSON trees: the stored document plus {@code version},
 * {@code createdAt}, {@code updatedAt} (and {@code project} for project-scoped kinds).
 */
public final class ConfigService {
  /** The project used when a request names none; created at start. */
  public static final String DEFAULT_PROJECT = "default";
  static final Set<String> READ_ONLY_FIELDS =
      Set.of("version", "createdAt", "updatedAt", "project", "status", "phases", "decision", "clientKey",
          "halted", "killed", "serverKey");

  private final ConfigStore store;
  private final AuditLog audit;
  private final Clock clock;
  private final SecureRandom random;
  private final List<Consumer<String>> changeListeners = new CopyOnWriteArrayList<>();

  public ConfigService(ConfigStore store, AuditLog audit, Clock clock, SecureRandom random) {
    this.store = store;
    this.audit = audit;
    this.clock = clock;
    this.random = random;
  }

  /**
   * Registers a listener told, after each committed change, the key of the project it touched
   * (for a change to a project itself, that project's key). Called on the writing thread.
   */
  public void onChange(Consumer<String> listener) {
    changeListeners.add(listener);
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

  /** Every entity of a project, by kind, read in one transaction (a consistent snapshot). */
  public Map<Kind, List<ObjectNode>> snapshot(String project) {
    return store.read(tx -> {
      Map<Kind, List<ObjectNode>> out = new EnumMap<>(Kind.class);
      if (tx.get(Kind.PROJECT, "", project).isEmpty()) {
        return out;
      }
      for (Kind k : Kind.values()) {
        if (scoped(k)) {
          out.put(k, tx.list(k, project).stream().map(ConfigService::view).toList());
        }
      }
      return out;
    });
  }

  /** Stores an analysis snapshot of an experiment (not audited: results, not configuration). */
  public void saveSnapshot(String project, String experimentKey, int phase, JsonNode snapshot) {
    store.write(tx -> {
      tx.insertSnapshot(project, experimentKey, phase, clock.millis(), snapshot.toString());
      return null;
    });
  }

  /** The newest snapshots of an experiment, newest first. */
  public List<JsonNode> snapshots(String project, String experimentKey, int limit) {
    return store.read(tx -> tx.snapshots(project, experimentKey, limit)).stream()
        .map(b -> (JsonNode) readTree(b)).toList();
  }

  /** Runs a scheduled job unless another replica is running it (see ConfigStore#runExclusive). */
  public boolean runExclusive(String jobName, Runnable work) {
    return store.runExclusive(jobName, work);
  }

  /**
   * The project holding the SDK connection with this client key, read from the store (so it also
   * finds connections another replica created a moment ago).
   */
  public Optional<String> projectOfSdkConnection(String clientKey) {
    return store.read(tx -> tx.listAll(Kind.SDK_CONNECTION).stream()
        .filter(e -> e.key().equals(clientKey)).map(StoredEntity::scope).findFirst());
  }

  /** Keys of all projects. */
  public List<String> projectKeys() {
    return store.read(tx -> tx.list(Kind.PROJECT, "").stream().map(StoredEntity::key).toList());
  }

  /** Experiment lifecycle actions. */
  public enum Action { START, PAUSE, STOP, CONCLUDE, ARCHIVE }

  enum Status { DRAFT, RUNNING, PAUSED, STOPPED, CONCLUDED, ARCHIVED }

  private static boolean scoped(Kind kind) {
    return kind != Kind.PROJECT && kind != Kind.USER;
  }

  private static String noun(Kind kind) {
    return kind.name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }

  static Class<?> specClass(Kind kind) {
    return switch (kind) {
      case PROJECT -> Specs.ProjectSpec.class;
      case ENVIRONMENT -> Specs.EnvironmentSpec.class;
      case SDK_CONNECTION -> Specs.SdkConnectionSpec.class;
      case FLAG -> FlagSpec.class;
      case EXPERIMENT -> ExperimentSpec.class;
      case LAYER -> Specs.LayerSpec.class;
      case SEGMENT -> Specs.SegmentSpec.class;
      case METRIC -> Specs.MetricSpec.class;
      case HOLDOUT -> Specs.HoldoutSpec.class;
      case USER -> Specs.UserSpec.class;
    };
  }

  // ---- reads ----

  public List<ObjectNode> list(Kind kind, String project) {
    return store.read(tx -> {
      String scope = scopeOf(tx, kind, project);
      return tx.list(kind, scope).stream().map(ConfigService::view).toList();
    });
  }

  public ObjectNode get(Kind kind, String project, String key) {
    return store.read(tx -> view(require(tx, kind, scopeOf(tx, kind, project), key)));
  }

  // ---- writes ----

  /** Creates an entity from a client document; returns the stored view (version 1). */
  public ObjectNode create(Kind kind, String project, JsonNode body, String actor) {
    if (kind == Kind.SDK_CONNECTION) {
      return createSdkConnection(project, body, actor);
    }
    Object spec = Json.bind(withoutReadOnly(body, false), specClass(kind));
    ObjectNode result = store.write(tx -> {
      String scope = scopeOf(tx, kind, project);
      validateReferences(tx, scope, spec);
      ObjectNode doc = Json.MAPPER.valueToTree(spec);
      if (kind == Kind.EXPERIMENT) {
        doc.put("status", Status.DRAFT.name().toLowerCase(Locale.ROOT));
        doc.putArray("phases");
        doc.putNull("decision");
      }
      String key = doc.get("key").asText();
      StoredEntity created = insert(tx, kind, scope, key, doc);
      audit.append(tx, actor, "create", kind.name(), scope, key, Optional.empty(), Optional.of(created.body()));
      return view(created);
    });
    return changed(kind, project, result.path("key").asText(), result);
  }

  private ObjectNode createSdkConnection(String project, JsonNode body, String actor) {
    var spec = Json.bind(withoutReadOnly(body, false), Specs.SdkConnectionSpec.class);
    byte[] bytes = new byte[8];
    random.nextBytes(bytes);
    String clientKey = "sdk-" + HexFormat.of().formatHex(bytes);
    ObjectNode result = store.write(tx -> {
      String scope = scopeOf(tx, Kind.SDK_CONNECTION, project);
      requireRef(tx, Kind.ENVIRONMENT, scope, spec.environment(), "environment");
      ObjectNode doc = Json.MAPPER.createObjectNode();
      doc.put("key", clientKey);
      doc.put("environment", spec.environment());
      doc.put("name", spec.name());
      if (spec.encrypt()) {
        // The SDKs decrypt with this key (AES-128, GrowthBook's format); admins read it like the client key.
        byte[] aes = new byte[16];
        random.nextBytes(aes);
        doc.put("encryptionKey", java.util.Base64.getEncoder().encodeToString(aes));
      }
      StoredEntity created = insert(tx, Kind.SDK_CONNECTION, scope, clientKey, doc);
      audit.append(tx, actor, "create", Kind.SDK_CONNECTION.name(), scope, clientKey,
          Optional.empty(), Optional.of(created.body()));
      return view(created);
    });
    return changed(Kind.SDK_CONNECTION, project, clientKey, result);
  }

  /**
   * Replaces an entity's document. The body must carry the {@code version} it was based on; a
   * stale version is a conflict and changes nothing. For a running or paused experiment, changing
   * variants or coverage requires {@code newPhase}, which starts a new phase (re-seeding assignment).
   */
  public ObjectNode update(Kind kind, String project, String key, JsonNode body, boolean newPhase, String actor) {
    long version = requiredVersion(body);
    if (kind == Kind.SDK_CONNECTION) {
      throw DomainException.conflict("immutable", "SDK connections cannot be edited; delete and create a new one", List.of());
    }
    JsonNode input = withoutReadOnly(body, true);
    if (input.isObject() && input.has("key") && !key.equals(input.get("key").asText())) {
      throw DomainException.invalid("key", "must match the key in the path ('" + key + "'); keys cannot be renamed");
    }
    if (input.isObject() && !input.has("key")) {
      ((ObjectNode) input).put("key", key);
    }
    Object spec = Json.bind(input, specClass(kind));
    ObjectNode result = store.write(tx -> {
      String scope = scopeOf(tx, kind, project);
      StoredEntity current = require(tx, kind, scope, key);
      checkVersion(kind, key, version, current);
      validateReferences(tx, scope, spec);
      ObjectNode doc = Json.MAPPER.valueToTree(spec);
      if (kind == Kind.EXPERIMENT) {
        doc = experimentUpdate(tx, scope, (ExperimentSpec) spec, readTree(current.body()), newPhase);
      }
      JsonNode killed = readTree(current.body()).get("killed");
      if (killed != null) {
        doc.set("killed", killed);
      }
      StoredEntity updated = tx.update(kind, scope, key, version, doc.toString());
      audit.append(tx, actor, "update", kind.name(), scope, key, Optional.of(current.body()), Optional.of(updated.body()));
      return view(updated);
    });
    return changed(kind, project, key, result);
  }

  /** Deletes an entity at the given version, refusing while other entities refer to it. */
  public void delete(Kind kind, String project, String key, long version, String actor) {
    store.write(tx -> {
      String scope = scopeOf(tx, kind, project);
      StoredEntity current = require(tx, kind, scope, key);
      checkVersion(kind, key, version, current);
      if (kind == Kind.EXPERIMENT) {
        Status s = status(readTree(current.body()));
        if (s != Status.DRAFT && s != Status.ARCHIVED) {
          throw DomainException.conflict("invalid_state", "only draft or archived experiments can be deleted;"
              + " this one is " + s.name().toLowerCase(Locale.ROOT), List.of());
        }
      }
      if (kind == Kind.PROJECT && !key.equals(DEFAULT_PROJECT)) {
        for (Kind k : Kind.values()) {
          if (scoped(k) && !tx.list(k, key).isEmpty()) {
            throw DomainException.conflict("in_use", "project '" + key + "' still has " + noun(k)
                + " entities; delete them first", List.of());
          }
        }
      } else if (kind == Kind.PROJECT) {
        throw DomainException.conflict("in_use", "the default project cannot be deleted", List.of());
      }
      List<String> users = referrers(tx, scope, kind, key);
      if (!users.isEmpty()) {
        throw DomainException.conflict("in_use", noun(kind) + " '" + key + "' is referenced by " + users,
            users.stream().map(u -> new DomainException.Detail(u, "refers to " + noun(kind) + " '" + key + "'")).toList());
      }
      tx.delete(kind, scope, key, version);
      audit.append(tx, actor, "delete", kind.name(), scope, key, Optional.of(current.body()), Optional.empty());
      return null;
    });
    changed(kind, project, key, null);
  }

  /**
   * Applies a lifecycle action to an experiment: draft → running ↔ paused → stopped → concluded
   * (with a decision) → archived. An illegal action is a conflict listing the allowed ones.
   *
   * @param body for {@code CONCLUDE}, {@code {"decision": {...}}}; otherwise may be empty
   */
  public ObjectNode transition(String project, String key, Action action, JsonNode body, String actor) {
    if (!body.isObject()) {
      throw DomainException.invalid("body", "must be a JSON object");
    }
    Optional<Long> version = body.has("version") ? Optional.of(requiredVersion(body)) : Optional.empty();
    for (var it = body.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("version") && !(action == Action.CONCLUDE && f.equals("decision"))) {
        throw DomainException.invalid(f, "unknown field for '" + action.name().toLowerCase(Locale.ROOT) + "'");
      }
    }
    Decision decision = null;
    if (action == Action.CONCLUDE) {
      if (!body.has("decision") || body.get("decision").isNull()) {
        throw DomainException.invalid("decision", "is required to conclude an experiment"
            + " (outcome: ship, rollback or inconclusive; variant for ship; writeUp)");
      }
      try {
        decision = Json.bind(body.get("decision"), Decision.class);
      } catch (DomainException e) {
        throw e.within("decision");
      }
    }
    Decision chosen = decision;
    ObjectNode result = store.write(tx -> {
      String scope = scopeOf(tx, Kind.EXPERIMENT, project);
      StoredEntity current = require(tx, Kind.EXPERIMENT, scope, key);
      if (version.isPresent()) {
        checkVersion(Kind.EXPERIMENT, key, version.get(), current);
      }
      ObjectNode doc = readTree(current.body());
      Status from = status(doc);
      Status to = target(from, action);
      if (to == null) {
        List<String> allowed = allowed(from);
        throw DomainException.conflict("illegal_transition", "cannot " + action.name().toLowerCase(Locale.ROOT)
            + " an experiment that is " + lower(from) + "; allowed: " + (allowed.isEmpty() ? "none" : allowed),
            allowed.stream().map(a -> new DomainException.Detail("action", a)).toList());
      }
      ExperimentSpec spec = specOf(doc);
      if (to == Status.RUNNING) {
        validateReferences(tx, scope, spec);
        checkLayerFree(tx, scope, spec);
        if (from == Status.DRAFT) {
          addPhase(doc, spec);
        }
      }
      if (chosen != null) {
        if (chosen.outcome().equals("ship") && spec.variants().stream().noneMatch(v -> v.key().equals(chosen.variant()))) {
          throw DomainException.invalid("decision.variant", "'" + chosen.variant() + "' is not a variant of this experiment");
        }
        doc.set("decision", Json.MAPPER.valueToTree(chosen));
      }
      doc.put("status", lower(to));
      StoredEntity updated = tx.update(Kind.EXPERIMENT, scope, key, current.version(), doc.toString());
      audit.append(tx, actor, action.name().toLowerCase(Locale.ROOT), Kind.EXPERIMENT.name(), scope, key,
          Optional.of(current.body()), Optional.of(updated.body()));
      return view(updated);
    });
    return changed(Kind.EXPERIMENT, project, key, result);
  }

  /**
   * Halts a running or paused experiment: it becomes {@code stopped} with a {@code halted} record
   * (reason, actor, time), and the SDK payload then serves every unit it targets the control
   * (first) variant's value. Audited as action {@code halt} under {@code actor}.
   *
   * @return the halted experiment, or empty when it was not running or paused (nothing changed)
   */
  public Optional<ObjectNode> halt(String project, String key, String reason, String actor) {
    Optional<ObjectNode> result = store.write(tx -> {
      String scope = scopeOf(tx, Kind.EXPERIMENT, project);
      StoredEntity current = require(tx, Kind.EXPERIMENT, scope, key);
      ObjectNode doc = readTree(current.body());
      Status from = status(doc);
      if (from != Status.RUNNING && from != Status.PAUSED) {
        return Optional.<ObjectNode>empty();
      }
      doc.put("status", lower(Status.STOPPED));
      doc.putObject("halted").put("reason", reason).put("by", actor)
          .put("at", java.time.Instant.ofEpochMilli(clock.millis()).toString());
      StoredEntity updated = tx.update(Kind.EXPERIMENT, scope, key, current.version(), doc.toString());
      audit.append(tx, actor, "halt", Kind.EXPERIMENT.name(), scope, key, Optional.of(current.body()),
          Optional.of(updated.body()));
      return Optional.of(view(updated));
    });
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
    if (kind != Kind.FLAG && kind != Kind.EXPERIMENT) {
      throw new IllegalArgumentException("only flags and experiments have a kill switch");
    }
    ObjectNode result = store.write(tx -> {
      String scope = scopeOf(tx, kind, project);
      StoredEntity current = require(tx, kind, scope, key);
      ObjectNode doc = readTree(current.body());
      boolean killed = doc.path("killed").isObject();
      if (killed == kill) {
        throw DomainException.conflict(kill ? "already_killed" : "not_killed", noun(kind) + " '" + key + "' is "
            + (kill ? "already killed; restore it first" : "not killed"), List.of());
      }
      if (kill) {
        ObjectNode k = doc.putObject("killed");
        k.put("at", java.time.Instant.ofEpochMilli(clock.millis()).toString());
        k.put("by", actor);
        k.put("reason", reason);
      } else {
        doc.remove("killed");
      }
      StoredEntity updated = tx.update(kind, scope, key, current.version(), doc.toString());
      audit.append(tx, actor, kill ? "kill" : "restore", kind.name(), scope, key,
          Optional.of(current.body()), Optional.of(updated.body()));
      return view(updated);
    });
    return changed(kind, project, key, result);
  }

  /** Creates the default project and its production environment if missing (idempotent). */
  public void ensureDefaultProject() {
    store.write(tx -> {
      if (tx.get(Kind.PROJECT, "", DEFAULT_PROJECT).isEmpty()) {
        ObjectNode p = Json.MAPPER.valueToTree(new Specs.ProjectSpec(DEFAULT_PROJECT, "Default project", ""));
        StoredEntity e = insert(tx, Kind.PROJECT, "", DEFAULT_PROJECT, p);
        audit.append(tx, "system", "create", Kind.PROJECT.name(), "", DEFAULT_PROJECT, Optional.empty(), Optional.of(e.body()));
        ObjectNode env = Json.MAPPER.valueToTree(new Specs.EnvironmentSpec("production", "Production", ""));
        StoredEntity en = insert(tx, Kind.ENVIRONMENT, DEFAULT_PROJECT, "production", env);
        audit.append(tx, "system", "create", Kind.ENVIRONMENT.name(), DEFAULT_PROJECT, "production", Optional.empty(), Optional.of(en.body()));
      }
      return null;
    });
  }

  // ---- experiment rules ----

  private static String lower(Status s) {
    return s.name().toLowerCase(Locale.ROOT);
  }

  private static Status status(JsonNode doc) {
    return Status.valueOf(doc.path("status").asText("draft").toUpperCase(Locale.ROOT));
  }

  private static Status target(Status from, Action action) {
    return switch (action) {
      case START -> from == Status.DRAFT || from == Status.PAUSED ? Status.RUNNING : null;
      case PAUSE -> from == Status.RUNNING ? Status.PAUSED : null;
      case STOP -> from == Status.RUNNING || from == Status.PAUSED ? Status.STOPPED : null;
      case CONCLUDE -> from == Status.STOPPED ? Status.CONCLUDED : null;
      case ARCHIVE -> from == Status.DRAFT || from == Status.CONCLUDED ? Status.ARCHIVED : null;
    };
  }

  private static List<String> allowed(Status from) {
    List<String> out = new ArrayList<>();
    for (Action a : Action.values()) {
      if (target(from, a) != null) {
        out.add(a.name().toLowerCase(Locale.ROOT));
      }
    }
    return out;
  }

  private static ExperimentSpec specOf(ObjectNode doc) {
    ObjectNode copy = doc.deepCopy();
    copy.remove(List.of("status", "phases", "decision", "halted"));
    return Json.bind(copy, ExperimentSpec.class);
  }

  private void addPhase(ObjectNode doc, ExperimentSpec spec) {
    int number = doc.withArray("phases").size() + 1;
    /* A new phase gets a new hash seed, so units are re-randomized rather than carried over. */
    Phase phase = new Phase(number, spec.key() + ":phase-" + number, clock.millis(), spec.coverage(),
        spec.variants().stream().map(Variant::weight).toList());
    doc.withArray("phases").add(Json.MAPPER.valueToTree(phase));
  }

  private ObjectNode experimentUpdate(StoreTransaction tx, String scope, ExperimentSpec spec,
      ObjectNode current, boolean newPhase) {
    Status s = status(current);
    if (s == Status.CONCLUDED || s == Status.ARCHIVED || s == Status.STOPPED) {
      throw DomainException.conflict("invalid_state", "a " + lower(s) + " experiment cannot be edited", List.of());
    }
    ExperimentSpec before = specOf(current);
    ObjectNode doc = Json.MAPPER.valueToTree(spec);
    doc.put("status", lower(s));
    doc.set("phases", current.withArray("phases").deepCopy());
    doc.set("decision", current.get("decision"));
    boolean live = s == Status.RUNNING || s == Status.PAUSED;
    if (live) {
      boolean allocationChanged = !before.variants().stream().map(v -> v.key() + "=" + v.weight()).toList()
          .equals(spec.variants().stream().map(v -> v.key() + "=" + v.weight()).toList())
          || Double.compare(before.coverage(), spec.coverage()) != 0;
      if (allocationChanged && !newPhase) {
        throw DomainException.conflict("phase_required", "variants or coverage of a " + lower(s)
            + " experiment can only change in a new phase; repeat with ?newPhase=true",
            List.of(new DomainException.Detail("variants", "changed while " + lower(s))));
      }
      checkLayerFree(tx, scope, spec);
      if (newPhase) {
        addPhase(doc, spec);
      }
    } else if (newPhase) {
      throw DomainException.invalid("newPhase", "only a running or paused experiment can start a new phase");
    }
    return doc;
  }

  private static void checkLayerFree(StoreTransaction tx, String scope, ExperimentSpec spec) {
    if (spec.layer() == null) {
      return;
    }
    for (StoredEntity other : tx.list(Kind.EXPERIMENT, scope)) {
      if (other.key().equals(spec.key())) {
        continue;
      }
      ObjectNode doc = readTree(other.body());
      Status s = status(doc);
      if (s != Status.RUNNING && s != Status.PAUSED) {
        continue;
      }
      ExperimentSpec o = specOf(doc);
      if (spec.layer().equals(o.layer()) && spec.range().overlaps(o.range())) {
        throw DomainException.conflict("layer_overlap", "range: [" + spec.range().start() + ", "
            + spec.range().end() + ") overlaps experiment '" + o.key() + "' [" + o.range().start() + ", "
            + o.range().end() + ") running in layer '" + spec.layer() + "'",
            List.of(new DomainException.Detail("range", "overlaps running experiment '" + o.key() + "'")));
      }
    }
  }

  // ---- references ----

  private static void validateReferences(StoreTransaction tx, String scope, Object spec) {
    if (spec instanceof Specs.UserSpec u) {
      for (int i = 0; i < u.projects().size(); i++) {
        requireRef(tx, Kind.PROJECT, "", u.projects().get(i), "projects[" + i + "]");
      }
    }
    if (spec instanceof ExperimentSpec e) {
      if (e.layer() != null) {
        requireRef(tx, Kind.LAYER, scope, e.layer(), "layer");
      }
      var m = e.metrics();
      if (m.primary() != null) {
        requireRef(tx, Kind.METRIC, scope, m.primary(), "metrics.primary");
      }
      for (int i = 0; i < m.secondary().size(); i++) {
        requireRef(tx, Kind.METRIC, scope, m.secondary().get(i), "metrics.secondary[" + i + "]");
      }
      for (int i = 0; i < m.guardrails().size(); i++) {
        requireRef(tx, Kind.METRIC, scope, m.guardrails().get(i).metric(), "metrics.guardrails[" + i + "].metric");
      }
      for (String seg : Conditions.segmentRefs(e.condition())) {
        requireRef(tx, Kind.SEGMENT, scope, seg, "condition");
      }
    } else if (spec instanceof FlagSpec f) {
      checkPrerequisites(tx, scope, f);
      for (var env : f.environments().entrySet()) {
        requireRef(tx, Kind.ENVIRONMENT, scope, env.getKey(), "environments." + env.getKey());
        var rules = env.getValue().rules();
        for (int i = 0; i < rules.size(); i++) {
          String field = "environments." + env.getKey() + ".rules[" + i + "]";
          if (rules.get(i).experiment() != null) {
            requireRef(tx, Kind.EXPERIMENT, scope, rules.get(i).experiment(), field + ".experiment");
          }
          for (String seg : Conditions.segmentRefs(rules.get(i).condition())) {
            requireRef(tx, Kind.SEGMENT, scope, seg, field + ".condition");
          }
        }
      }
    } else if (spec instanceof Specs.MetricSpec m && m.type().equals("ratio")) {
      requireRef(tx, Kind.METRIC, scope, m.numerator(), "numerator");
      requireRef(tx, Kind.METRIC, scope, m.denominator(), "denominator");
    } else if (spec instanceof Specs.HoldoutSpec h) {
      for (int i = 0; i < h.flags().size(); i++) {
        requireRef(tx, Kind.FLAG, scope, h.flags().get(i), "flags[" + i + "]");
      }
      for (int i = 0; i < h.experiments().size(); i++) {
        requireRef(tx, Kind.EXPERIMENT, scope, h.experiments().get(i), "experiments[" + i + "]");
      }
    } else if (spec instanceof Specs.SegmentSpec s) {
      for (String seg : Conditions.segmentRefs(s.condition())) {
        if (seg.equals(s.key())) {
          throw DomainException.invalid("condition", "a segment cannot refer to itself");
        }
        requireRef(tx, Kind.SEGMENT, scope, seg, "condition");
      }
    }
  }

  /**
   * Prerequisites name existing flags, expect a value of the parent's type, and form no cycle with
   * the prerequisites already stored (a cycle would make every flag on it unevaluable).
   */
  private static void checkPrerequisites(StoreTransaction tx, String scope, FlagSpec f) {
    Map<String, List<String>> graph = new java.util.HashMap<>();
    for (StoredEntity e : tx.list(Kind.FLAG, scope)) {
      List<String> parents = new ArrayList<>();
      readTree(e.body()).path("prerequisites").forEach(p -> parents.add(p.path("flag").asText()));
      graph.put(e.key(), parents);
    }
    graph.put(f.key(), f.prerequisites().stream().map(Specs.Prerequisite::flag).toList());
    for (int i = 0; i < f.prerequisites().size(); i++) {
      Specs.Prerequisite p = f.prerequisites().get(i);
      String field = "prerequisites[" + i + "]";
      StoredEntity parent = tx.get(Kind.FLAG, scope, p.flag()).orElseThrow(() ->
          DomainException.badReference(field + ".flag", "flag '" + p.flag() + "' does not exist"));
      Specs.checkValueType(field + ".value", readTree(parent.body()).path("type").asText(), p.value());
      List<String> path = new ArrayList<>(List.of(f.key()));
      if (reaches(graph, p.flag(), f.key(), path, new java.util.HashSet<>())) {
        throw DomainException.badReference(field + ".flag", "would form a prerequisite cycle: "
            + String.join(" -> ", path));
      }
    }
  }

  /* Depth-first: whether {@code target} is reachable from {@code from}; {@code path} ends as the cycle. */
  private static boolean reaches(Map<String, List<String>> graph, String from, String target, List<String> path,
      Set<String> seen) {
    path.add(from);
    if (from.equals(target)) {
      return true;
    }
    if (seen.add(from)) {
      for (String next : graph.getOrDefault(from, List.of())) {
        if (reaches(graph, next, target, path, seen)) {
          return true;
        }
      }
    }
    path.remove(path.size() - 1);
    return false;
  }

  private static void requireRef(StoreTransaction tx, Kind kind, String scope, String key, String field) {
    if (tx.get(kind, scope, key).isEmpty()) {
      throw DomainException.badReference(field, noun(kind) + " '" + key + "' does not exist");
    }
  }

  /** Entities that refer to (kind, key): what blocks its deletion. */
  private static List<String> referrers(StoreTransaction tx, String scope, Kind kind, String key) {
    List<String> out = new ArrayList<>();
    switch (kind) {
      case METRIC, LAYER, SEGMENT -> {
        for (StoredEntity e : tx.list(Kind.EXPERIMENT, scope)) {
          ExperimentSpec x = specOf(readTree(e.body()));
          boolean uses = switch (kind) {
            case METRIC -> x.metrics().all().contains(key);
            case LAYER -> key.equals(x.layer());
            default -> Conditions.segmentRefs(x.condition()).contains(key);
          };
          if (uses) {
            out.add("experiment '" + e.key() + "'");
          }
        }
        if (kind == Kind.METRIC) {
          for (StoredEntity e : tx.list(Kind.METRIC, scope)) {
            JsonNode m = readTree(e.body());
            if (key.equals(m.path("numerator").asText(null)) || key.equals(m.path("denominator").asText(null))) {
              out.add("metric '" + e.key() + "'");
            }
          }
        }
        if (kind == Kind.SEGMENT) {
          for (StoredEntity e : tx.list(Kind.FLAG, scope)) {
            if (Conditions.segmentRefs(readTree(e.body()).path("environments")).contains(key)) {
              out.add("flag '" + e.key() + "'");
            }
          }
          for (StoredEntity e : tx.list(Kind.SEGMENT, scope)) {
            if (Conditions.segmentRefs(readTree(e.body()).path("condition")).contains(key)) {
              out.add("segment '" + e.key() + "'");
            }
          }
        }
      }
      case ENVIRONMENT -> {
        for (StoredEntity e : tx.list(Kind.SDK_CONNECTION, scope)) {
          if (key.equals(readTree(e.body()).path("environment").asText())) {
            out.add("sdk connection '" + e.key() + "'");
          }
        }
        for (StoredEntity e : tx.list(Kind.FLAG, scope)) {
          if (readTree(e.body()).path("environments").has(key)) {
            out.add("flag '" + e.key() + "'");
          }
        }
      }
      case EXPERIMENT, FLAG -> {
        if (kind == Kind.EXPERIMENT) {
          for (StoredEntity e : tx.list(Kind.FLAG, scope)) {
            if (e.body().contains("\"experiment\":\"" + key + "\"")) {
              out.add("flag '" + e.key() + "'");
            }
          }
        }
        if (kind == Kind.FLAG) {
          for (StoredEntity e : tx.list(Kind.FLAG, scope)) {
            for (JsonNode p : readTree(e.body()).path("prerequisites")) {
              if (p.path("flag").asText().equals(key)) {
                out.add("flag '" + e.key() + "' (prerequisite)");
              }
            }
          }
        }
        String field = kind == Kind.FLAG ? "flags" : "experiments";
        for (StoredEntity e : tx.list(Kind.HOLDOUT, scope)) {
          for (JsonNode k : readTree(e.body()).path(field)) {
            if (k.asText().equals(key)) {
              out.add("holdout '" + e.key() + "'");
            }
          }
        }
      }
      default -> { }
    }
    return out;
  }

  // ---- helpers ----

  private static String scopeOf(StoreTransaction tx, Kind kind, String project) {
    if (!scoped(kind)) {
      return "";
    }
    if (tx.get(Kind.PROJECT, "", project).isEmpty()) {
      throw DomainException.notFound("project '" + project + "' not found");
    }
    return project;
  }

  private static StoredEntity require(StoreTransaction tx, Kind kind, String scope, String key) {
    return tx.get(kind, scope, key).orElseThrow(() -> DomainException.notFound(noun(kind) + " '" + key
        + "' not found" + (scope.isEmpty() ? "" : " in project '" + scope + "'")));
  }

  private static StoredEntity insert(StoreTransaction tx, Kind kind, String scope, String key, ObjectNode doc) {
    try {
      return tx.insert(kind, scope, key, doc.toString());
    } catch (DuplicateKeyException e) {
      throw DomainException.conflict("already_exists", e.getMessage(), List.of(new DomainException.Detail("key", "already exists")));
    }
  }

  private static void checkVersion(Kind kind, String key, long version, StoredEntity current) {
    if (current.version() != version) {
      throw DomainException.conflict("version_conflict", new VersionConflictException(kind, key, version, current.version()).getMessage(),
          List.of(new DomainException.Detail("version", "current version is " + current.version())));
    }
  }

  private static long requiredVersion(JsonNode body) {
    JsonNode v = body.get("version");
    if (v == null || v.isNull()) {
      throw DomainException.invalid("version", "is required: send the version you read, for optimistic concurrency");
    }
    if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 1) {
      throw DomainException.invalid("version", "must be a positive integer");
    }
    return v.asLong();
  }

  private static JsonNode withoutReadOnly(JsonNode body, boolean update) {
    if (!body.isObject()) {
      throw DomainException.invalid("body", "must be a JSON object");
    }
    ObjectNode copy = ((ObjectNode) body).deepCopy();
    if (update) {
      copy.remove(READ_ONLY_FIELDS);
    } else {
      for (String f : READ_ONLY_FIELDS) {
        if (copy.has(f)) {
          throw DomainException.invalid(f, "is set by the server and cannot be given on create");
        }
      }
    }
    return copy;
  }

  private static ObjectNode readTree(String json) {
    try {
      return (ObjectNode) Json.MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored document is not JSON", e);
    }
  }

  private static ObjectNode view(StoredEntity e) {
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("key", e.key());
    if (!e.scope().isEmpty()) {
      out.put("project", e.scope());
    }
    out.put("version", e.version());
    out.put("createdAt", e.createdAt().toString());
    out.put("updatedAt", e.updatedAt().toString());
    out.setAll(readTree(e.body()));
    if (out.path("serverKey").isObject()) {
      ((ObjectNode) out.get("serverKey")).remove("hash"); // a server key's hash is never shown
    }
    return out;
  }
}
