package dev.assay.server.domain;

import static dev.assay.server.domain.Entities.noun;
import static dev.assay.server.domain.Entities.require;
import static dev.assay.server.domain.Entities.scopeOf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.Flag;
import dev.assay.server.domain.model.Holdout;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.domain.model.ProjectConfig;
import dev.assay.server.domain.model.SdkConnection;
import dev.assay.server.domain.model.Segment;
import dev.assay.server.domain.model.Versioned;
import dev.assay.server.store.AuditQuery;
import dev.assay.server.store.AuditRecord;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoreTransaction;
import dev.assay.server.store.StoredEntity;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The version history of flags and experiments, and the configuration of a project at a past
 * time, both read from the hash-chained audit log. Every write of a config entity appends, in the
 * write's own transaction, an entry with the entity's stored document before and after the change
 * ({@link ConfigWrites}), so the log already holds every version with who, when and why; nothing
 * is copied into a second table, and the history is as tamper-evident as the log
 * ({@code GET /api/v1/audit/verify}). Thread-safe; each method reads in one store transaction.
 *
 * <p>An entity's versions are the entries since its latest {@code create} (a deleted and
 * re-created key starts again at version 1), numbered so that the newest is the stored version.
 * Entries that do not carry a new document of the entity (comments, filed under the entity's
 * kind) are not versions.
 */
public final class VersionHistory {
  /** Versions per history page unless {@code limit} says otherwise, and the most a page holds. */
  public static final int DEFAULT_LIMIT = 20;
  public static final int MAX_LIMIT = 100;
  private static final int PAGE = 1_000;
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private final ConfigStore store;
  private final Clock clock;

  VersionHistory(ConfigStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** One version of an entity: its number, when, who, how and why, and its stored document. */
  private record Version(long number, Instant at, String actor, String action, Optional<String> reason,
      String body) {}

  /** What an audit entry does to the entity it names. */
  private enum Step { CREATE, CHANGE, DELETE, NONE }

  private static Step step(AuditRecord e) {
    if (e.action().equals("delete")) {
      return Step.DELETE;
    }
    if (e.after().isEmpty() || e.action().equals(Comments.AUDIT_ACTION)) {
      return Step.NONE;
    }
    return e.action().equals("create") ? Step.CREATE : Step.CHANGE;
  }

  /**
   * A page of an entity's history, newest first: {@code {"items": [...], "next": N}}, each item
   * with {@code version}, {@code at}, {@code actor}, {@code action}, {@code reason} (when given)
   * and {@code changes}, the field-level diff against the previous version ({@link JsonDiff});
   * {@code next}, present when older versions remain, is the {@code before} of the next page.
   *
   * @param before only versions older than this one (absent: from the newest)
   * @throws DomainException not found when the project or entity does not exist
   */
  public ObjectNode history(Kind kind, String project, String key, int limit, Optional<Long> before) {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw DomainException.invalid("limit", "must be between 1 and " + MAX_LIMIT + ", was " + limit);
    }
    if (before.isPresent() && before.get() < 1) {
      throw DomainException.invalid("before", "must be a positive version number");
    }
    List<Version> versions = store.read(tx -> versions(tx, kind, project, key));
    ObjectNode page = F.objectNode();
    ArrayNode items = page.putArray("items");
    for (int i = versions.size() - 1; i >= 0; i--) {
      Version v = versions.get(i);
      if (before.isPresent() && v.number() >= before.get()) {
        continue;
      }
      if (items.size() == limit) {
        page.put("next", v.number() + 1);
        break;
      }
      ObjectNode item = items.addObject();
      item.put("version", v.number());
      item.put("at", v.at().toString());
      item.put("actor", v.actor());
      item.put("action", v.action());
      v.reason().ifPresent(r -> item.put("reason", r));
      JsonNode previous = i == 0 ? F.objectNode() : ModelJson.parse(versions.get(i - 1).body());
      item.set("changes", JsonDiff.changes(previous, ModelJson.parse(v.body())));
    }
    return page;
  }

  /**
   * The entity as it was at version {@code n}: the same view as {@code GET} of the entity then
   * (its stored document with key, project, version, createdAt and updatedAt).
   *
   * @throws DomainException not found when the entity or that version does not exist
   */
  public ObjectNode version(Kind kind, String project, String key, long n) {
    return store.read(tx -> {
      List<Version> versions = versions(tx, kind, project, key);
      Version v = find(kind, key, versions, n);
      Instant created = versions.get(0).at();
      return ModelJson.view(new StoredEntity(kind, scopeOf(tx, kind, project), key, n, v.body(), created, v.at()));
    });
  }

  /** The stored document of version {@code n} (see {@link #version}). */
  String body(Kind kind, String project, String key, long n) {
    return store.read(tx -> find(kind, key, versions(tx, kind, project, key), n).body());
  }

  private static Version find(Kind kind, String key, List<Version> versions, long n) {
    for (Version v : versions) {
      if (v.number() == n) {
        return v;
      }
    }
    String range = versions.isEmpty() ? "none is recorded"
        : "its versions are " + versions.get(0).number() + " to " + versions.get(versions.size() - 1).number();
    throw DomainException.notFound(noun(kind) + " '" + key + "' has no version " + n + "; " + range);
  }

  private static List<Version> versions(StoreTransaction tx, Kind kind, String project, String key) {
    String scope = scopeOf(tx, kind, project);
    StoredEntity current = require(tx, kind, scope, key);
    List<AuditRecord> incarnation = new ArrayList<>();
    AuditQuery query = new AuditQuery(Optional.of(kind.name()), Optional.of(key), Optional.empty(),
        Optional.empty(), Optional.empty(), 0, PAGE);
    each(tx, query, e -> {
      if (!e.scope().equals(scope)) {
        return;
      }
      switch (step(e)) {
        case CREATE -> {
          incarnation.clear();
          incarnation.add(e);
        }
        case CHANGE -> {
          if (!incarnation.isEmpty()) {
            incarnation.add(e);
          }
        }
        case DELETE -> incarnation.clear();
        case NONE -> { }
      }
    });
    long first = current.version() - incarnation.size() + 1;
    List<Version> out = new ArrayList<>();
    for (int i = 0; i < incarnation.size(); i++) {
      AuditRecord e = incarnation.get(i);
      out.add(new Version(first + i, e.at(), e.actor(), e.action(), e.reason(), e.after().orElseThrow()));
    }
    return out;
  }

  /* Every entry matching the query, in chain order, a page at a time. */
  private static void each(StoreTransaction tx, AuditQuery query, Consumer<AuditRecord> sink) {
    long after = query.afterSeq();
    while (true) {
      List<AuditRecord> page = tx.audit(new AuditQuery(query.kind(), query.key(), query.actor(), query.from(),
          query.to(), after, PAGE));
      page.forEach(sink);
      if (page.size() < PAGE) {
        return;
      }
      after = page.get(page.size() - 1).seq();
    }
  }

  /** An entity's state while the log is replayed: its document, version and change times. */
  private record State(String body, long version, Instant createdAt, Instant updatedAt) {}

  /**
   * What SDK payloads of a project were compiled from at instant {@code at}: every flag,
   * experiment, saved group, holdout and SDK connection as of the last audit entry at or before
   * {@code at}, replayed from the log (one pass over the entries up to {@code at}).
   *
   * @throws DomainException invalid {@code at} when it is in the future or before the project
   *     existed; not found when the project never existed
   */
  public ProjectConfig configurationAt(String project, Instant at) {
    Instant now = clock.instant();
    if (at.isAfter(now)) {
      throw DomainException.invalid("at", "is in the future (the server's time is " + now + ")");
    }
    return store.read(tx -> {
      Map<Kind, Map<String, State>> states = new EnumMap<>(Kind.class);
      boolean[] projectExists = {false};
      AuditQuery query = new AuditQuery(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
          Optional.of(at.plusMillis(1)), 0, PAGE);
      each(tx, query, e -> {
        if (e.kind().equals(Kind.PROJECT.name()) && e.scope().isEmpty() && e.key().equals(project)) {
          Step s = step(e);
          projectExists[0] = s == Step.DELETE ? false : projectExists[0] || s == Step.CREATE;
        } else if (e.scope().equals(project)) {
          replay(states, e);
        }
      });
      if (!projectExists[0]) {
        StoredEntity p = tx.get(Kind.PROJECT, "", project).orElseThrow(() ->
            DomainException.notFound("project '" + project + "' not found"));
        throw DomainException.invalid("at", "is before project '" + project + "' existed (created "
            + p.createdAt() + ")");
      }
      return new ProjectConfig(project, records(states, Kind.FLAG, Flag.class, project),
          records(states, Kind.EXPERIMENT, Experiment.class, project),
          records(states, Kind.SEGMENT, Segment.class, project), records(states, Kind.HOLDOUT, Holdout.class, project),
          records(states, Kind.SDK_CONNECTION, SdkConnection.class, project));
    });
  }

  private static void replay(Map<Kind, Map<String, State>> states, AuditRecord e) {
    Kind kind;
    try {
      kind = Kind.valueOf(e.kind());
    } catch (IllegalArgumentException notAnEntity) {
      return; // API keys, event governance: audited, but not config entities
    }
    Map<String, State> of = states.computeIfAbsent(kind, k -> new TreeMap<>());
    State s = of.get(e.key());
    switch (step(e)) {
      case CREATE -> of.put(e.key(), new State(e.after().orElseThrow(), 1, e.at(), e.at()));
      case CHANGE -> {
        if (s != null) {
          of.put(e.key(), new State(e.after().orElseThrow(), s.version() + 1, s.createdAt(), e.at()));
        }
      }
      case DELETE -> of.remove(e.key());
      case NONE -> { }
    }
  }

  private static <T> List<Versioned<T>> records(Map<Kind, Map<String, State>> states, Kind kind, Class<T> type,
      String project) {
    List<Versioned<T>> out = new ArrayList<>();
    states.getOrDefault(kind, Map.of()).values().forEach(s -> out.add(new Versioned<>(
        ModelJson.fromStored(type, s.body()), project, s.version(), s.createdAt(), s.updatedAt())));
    return out;
  }
}
