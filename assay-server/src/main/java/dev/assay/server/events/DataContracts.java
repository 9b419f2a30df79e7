package dev.assay.server.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.ExperimentStatus;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoredEntity;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Data contracts (ADR 0042): the event schemas of each project ({@link Kind#EVENT_SCHEMA}, keyed by
 * event name) and its data-quality settings ({@link Kind#DATA_QUALITY}), every change audited;
 * and, for ingestion, each project's schemas compiled into a {@link SchemaValidator} once per
 * change (cached; dropped when this server or another replica changes the project) and the
 * counts of violations by event name and reason (since this server started; also the Prometheus
 * counter {@code assay_events_schema_violations_total{name,reason}}). Thread-safe.
 */
public final class DataContracts {
  /** The store key of a project's settings. */
  static final String SETTINGS_KEY = "settings";
  /** The statuses in which an experiment takes no more traffic: its exposures are flagged. */
  private static final java.util.Set<ExperimentStatus> STOPPED = java.util.EnumSet.of(ExperimentStatus.STOPPED,
      ExperimentStatus.CONCLUDED, ExperimentStatus.ARCHIVED);
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final ConfigStore store;
  private final AuditLog audit;
  private final Clock clock;
  private final MeterRegistry meters;
  private final Instant started;
  private final Map<String, Compiled> compiled = new ConcurrentHashMap<>();
  private final Map<String, Map<Count, LongAdder>> violations = new ConcurrentHashMap<>();
  private final Map<Count, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, Counter> flaggedCounters = new ConcurrentHashMap<>();
  private final Flags flags = new Flags();
  /** Counts every invalidation, so that a compile racing a change never caches the old state. */
  private final java.util.concurrent.atomic.AtomicLong changes = new java.util.concurrent.atomic.AtomicLong();

  /**
   * What ingestion checks a project's events against: built once per change of its schemas,
   * settings or experiments.
   */
  public record Compiled(SchemaValidator validator, ContractSettings settings,
      Map<String, Flags.ExperimentState> experiments) {}

  /** A count key: event name and reason. */
  public record Count(String name, String reason) {}

  /** How a put changed the stored schema. */
  public enum Outcome { CREATED, EVOLVED, NEW_VERSION, UNCHANGED }

  /** A stored schema and what the put did. */
  public record Put(EventSchema schema, Outcome outcome) {}

  public DataContracts(ConfigStore store, AuditLog audit, Clock clock, MeterRegistry meters) {
    this.store = store;
    this.audit = audit;
    this.clock = clock;
    this.meters = meters;
    this.started = clock.instant();
    store.subscribeChanges(project -> {
      if (ConfigStore.ALL_PROJECTS.equals(project)) {
        changes.incrementAndGet();
        compiled.clear();
      } else {
        invalidate(project);
      }
    });
  }

  // ---- schemas ----

  /** The schemas of a project, by name. */
  public List<EventSchema> schemas(String project) {
    return store.read(tx -> {
      requireProject(tx, project);
      return tx.list(Kind.EVENT_SCHEMA, project).stream().map(e -> read(e.body(), EventSchema.class))
          .sorted(Comparator.comparing(EventSchema::name)).toList();
    });
  }

  /** The schema of an event name; not found when it has none. */
  public EventSchema schema(String project, String name) {
    return store.read(tx -> {
      requireProject(tx, project);
      return tx.get(Kind.EVENT_SCHEMA, project, name).map(e -> read(e.body(), EventSchema.class))
          .orElseThrow(() -> DomainException.notFound("no schema for event '" + name + "' in project '" + project + "'"));
    });
  }

  /**
   * Stores a schema. Without a stored one it is version 1. A compatible evolution of the stored
   * one ({@link SchemaChange}) becomes the next version; a breaking change is refused (422
   * {@code breaking_change}, naming each property) unless {@code declaredVersion} is the next
   * version; a declared version that is not the next is a conflict (409). The same contract again
   * changes nothing.
   *
   * @param draft the contract (its version and writer are set here)
   * @param declaredVersion the version the caller declares this to be, if any
   */
  public Put put(String project, EventSchema draft, Optional<Long> declaredVersion, String actor) {
    return put(project, draft, declaredVersion, java.util.OptionalLong.empty(), actor);
  }

  /**
   * As above, against the schema version a plan read ({@code expected}; 0 for none): another
   * version stored meanwhile is 409 {@code version_conflict} (experiments-as-code, ADR 0052).
   */
  public Put put(String project, EventSchema draft, Optional<Long> declaredVersion, java.util.OptionalLong expected,
      String actor) {
    Put put = store.write(tx -> {
      requireProject(tx, project);
      Optional<StoredEntity> current = tx.get(Kind.EVENT_SCHEMA, project, draft.name());
      Optional<EventSchema> stored = current.map(e -> read(e.body(), EventSchema.class));
      expect(draft.name(), stored, expected);
      SchemaChange.Decision d = SchemaChange.decide(stored, draft, declaredVersion);
      if (d.outcome() == Outcome.UNCHANGED) {
        return new Put(stored.orElseThrow(), Outcome.UNCHANGED);
      }
      EventSchema saved = draft.withVersion(d.version(), actor, clock.instant().toString());
      String body = write(saved);
      if (current.isEmpty()) {
        tx.insert(Kind.EVENT_SCHEMA, project, draft.name(), body);
      } else {
        tx.update(Kind.EVENT_SCHEMA, project, draft.name(), current.get().version(), body);
      }
      audit.append(tx, actor, current.isEmpty() ? "create" : "update", Kind.EVENT_SCHEMA.name(), project, draft.name(),
          current.map(StoredEntity::body), Optional.of(body));
      return new Put(saved, d.outcome());
    });
    changed(project);
    return put;
  }

  private static void expect(String name, Optional<EventSchema> stored, java.util.OptionalLong expected) {
    long now = stored.map(EventSchema::version).orElse(0L);
    if (expected.isPresent() && expected.getAsLong() != now) {
      throw DomainException.conflict("version_conflict", "the schema of event '" + name + "' is at version " + now
          + ", not " + expected.getAsLong() + " as planned: it changed meanwhile", List.of(
              new DomainException.Detail("version", "was " + now)));
    }
  }

  /** Removes the schema of an event name (its history stays in the audit log); not found when none. */
  public void delete(String project, String name, String actor) {
    delete(project, name, java.util.OptionalLong.empty(), actor);
  }

  /** As above, against the schema version a plan read: another is 409 {@code version_conflict}. */
  public void delete(String project, String name, java.util.OptionalLong expected, String actor) {
    store.write(tx -> {
      requireProject(tx, project);
      StoredEntity current = tx.get(Kind.EVENT_SCHEMA, project, name).orElseThrow(() ->
          DomainException.notFound("no schema for event '" + name + "' in project '" + project + "'"));
      expect(name, Optional.of(read(current.body(), EventSchema.class)), expected);
      tx.delete(Kind.EVENT_SCHEMA, project, name, current.version());
      audit.append(tx, actor, "delete", Kind.EVENT_SCHEMA.name(), project, name, Optional.of(current.body()),
          Optional.empty());
      return null;
    });
    changed(project);
  }

  // ---- settings ----

  /** A project's settings (the defaults when it never set its own). */
  public ContractSettings settings(String project) {
    return store.read(tx -> {
      requireProject(tx, project);
      return tx.get(Kind.DATA_QUALITY, project, SETTINGS_KEY).map(e -> read(e.body(), ContractSettings.class))
          .orElse(ContractSettings.DEFAULTS);
    });
  }

  /** Replaces a project's settings (audited). */
  public ContractSettings setSettings(String project, ContractSettings draft, String actor) {
    ContractSettings saved = store.write(tx -> {
      requireProject(tx, project);
      ContractSettings s = new ContractSettings(draft.mode(), draft.flagging(), draft.clockSkewPastSeconds(),
          draft.clockSkewFutureSeconds(), draft.botUserAgents(), draft.maxEventsPerUnitPerMinute(), actor,
          clock.instant().toString());
      String body = write(s);
      Optional<StoredEntity> current = tx.get(Kind.DATA_QUALITY, project, SETTINGS_KEY);
      if (current.isPresent()) {
        tx.update(Kind.DATA_QUALITY, project, SETTINGS_KEY, current.get().version(), body);
      } else {
        tx.insert(Kind.DATA_QUALITY, project, SETTINGS_KEY, body);
      }
      audit.append(tx, actor, current.isPresent() ? "update" : "create", Kind.DATA_QUALITY.name(), project,
          SETTINGS_KEY, current.map(StoredEntity::body), Optional.of(body));
      return s;
    });
    changed(project);
    return saved;
  }

  // ---- ingestion ----

  /** What a project's events are checked against now (compiled on first use after a change). */
  public Compiled compiled(String project) {
    Compiled c = compiled.get(project);
    if (c != null) {
      return c;
    }
    long generation = changes.get();
    Compiled built = store.read(tx -> {
      if (tx.get(Kind.PROJECT, "", project).isEmpty()) {
        return new Compiled(SchemaValidator.EMPTY, ContractSettings.DEFAULTS, Map.of());
      }
      List<EventSchema> schemas = tx.list(Kind.EVENT_SCHEMA, project).stream()
          .map(e -> read(e.body(), EventSchema.class)).toList();
      ContractSettings settings = tx.get(Kind.DATA_QUALITY, project, SETTINGS_KEY)
          .map(e -> read(e.body(), ContractSettings.class)).orElse(ContractSettings.DEFAULTS);
      Map<String, Flags.ExperimentState> experiments = new java.util.HashMap<>();
      if (settings.flagging()) {
        for (StoredEntity e : tx.list(Kind.EXPERIMENT, project)) {
          Experiment x = dev.assay.server.domain.model.ModelJson.versioned(Experiment.class, e).value();
          experiments.put(x.key(), new Flags.ExperimentState(x.variants().size(), STOPPED.contains(x.status())));
        }
      }
      return new Compiled(schemas.isEmpty() ? SchemaValidator.EMPTY : new SchemaValidator(schemas), settings,
          Map.copyOf(experiments));
    });
    // A change counts up before it removes the entry: if one came while this was read, either its
    // removal comes after this put, or the count shows it here; either way nothing stale stays.
    Compiled raced = compiled.putIfAbsent(project, built);
    if (changes.get() != generation) {
      compiled.remove(project, built);
    }
    return raced == null ? built : raced;
  }

  /** Drops what is compiled for a project (its experiments changed); the next batch compiles it again. */
  public void invalidate(String project) {
    changes.incrementAndGet();
    compiled.remove(project);
  }

  /** A batch after its checks: the events to store (some flagged), and those refused (enforce mode). */
  public record Checked(List<Event> kept, List<EventParser.Rejection> rejected) {}

  /**
   * Checks a parsed batch against its project's schemas and, when the project turns flagging on,
   * flags the events the analysis is to exclude ({@link Flags}). In warn mode every event is kept
   * and each violation counted; in enforce mode a violating event is refused with its index and
   * reason (and counted).
   *
   * @param indexes the position in the request of each event of {@code events}
   * @param userAgent the request's User-Agent, or null
   */
  public Checked check(String project, List<Event> events, int[] indexes, String userAgent) {
    Compiled c = compiled(project);
    if (c.settings().flagging()) {
      events = flag(c, events, userAgent, clock.millis()); // received now, by the server's clock
    }
    if (c.validator().isEmpty()) {
      return new Checked(events, List.of());
    }
    boolean enforce = c.settings().mode() == ContractSettings.Mode.ENFORCE;
    List<Event> kept = enforce ? new ArrayList<>(events.size()) : events;
    List<EventParser.Rejection> rejected = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      Event e = events.get(i);
      Optional<SchemaValidator.Violation> v = c.validator().check(e);
      if (v.isPresent()) {
        count(project, e.name(), v.get().reason());
        if (enforce) {
          rejected.add(new EventParser.Rejection(indexes[i], v.get().describe()));
          continue;
        }
      }
      if (enforce) {
        kept.add(e);
      }
    }
    return new Checked(kept, rejected);
  }

  private List<Event> flag(Compiled c, List<Event> events, String userAgent, long receivedMillis) {
    boolean bot = Flags.isBot(userAgent, c.settings());
    List<Event> out = new ArrayList<>(events.size());
    for (Event e : events) {
      String reason = flags.reason(e, c.settings(), c.experiments(), bot, receivedMillis);
      if (reason == null) {
        out.add(e);
      } else {
        out.add(e.flagged(reason));
        flaggedCounters.computeIfAbsent(reason, r -> Counter.builder("assay.events.flagged")
            .description("Events flagged at ingestion and excluded from analysis").tag("reason", r).register(meters))
            .increment();
      }
    }
    return out;
  }

  private void count(String project, String name, String reason) {
    Count key = new Count(name, reason);
    violations.computeIfAbsent(project, p -> new ConcurrentHashMap<>()).computeIfAbsent(key, k -> new LongAdder())
        .increment();
    counters.computeIfAbsent(key, k -> Counter.builder("assay.events.schema.violations")
        .description("Metric events that broke their event schema (warned or refused)")
        .tag("name", k.name()).tag("reason", k.reason()).register(meters)).increment();
  }

  /** Violations counted since {@link #since()} in a project (or every project), by name and reason. */
  public Map<Count, Long> violations(Optional<String> project) {
    Map<Count, Long> out = new java.util.TreeMap<>(Comparator.comparing(Count::name).thenComparing(Count::reason));
    violations.forEach((p, counts) -> {
      if (project.isEmpty() || project.get().equals(p)) {
        counts.forEach((k, n) -> out.merge(k, n.sum(), Long::sum));
      }
    });
    return out;
  }

  /** When this server started counting violations. */
  public Instant since() {
    return started;
  }

  private void changed(String project) {
    invalidate(project);
    store.publishChange(project);
  }

  private static void requireProject(dev.assay.server.store.StoreTransaction tx, String project) {
    if (tx.get(Kind.PROJECT, "", project).isEmpty()) {
      throw DomainException.notFound("project '" + project + "' not found");
    }
  }

  private static String write(Object record) {
    try {
      return JSON.writeValueAsString(record);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static <T> T read(String body, Class<T> type) {
    try {
      return JSON.readValue(body, type);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
