package dev.assay.server.safety;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.domain.model.RolloutPlan;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoredEntity;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Scheduled changes of flags and experiments (ADR 0030): start, pause, stop, conclude or archive
 * an experiment, or kill or restore a flag (or experiment), at a given instant. Each change is a
 * {@link Kind#SCHEDULE} entity in its project, keyed by its id. One daemon thread looks for due
 * changes every tick; a due change is first claimed by a conditional write (pending → running at
 * the version read, inside the store's serialized write transaction), so across replicas sharing
 * the store exactly one runs it, once. It runs through the ordinary lifecycle and kill paths of
 * {@link ConfigService} under the actor {@code schedule <id> by <who>} (audited, recompiled,
 * pushed to SDKs), and its outcome is recorded: {@code done}, or {@code failed} with the reason
 * (an illegal transition at run time is not retried). A flag's schedule may also change the
 * flag's progressive rollout in one environment (ADR 0036): start a plan (validated when
 * scheduled, checked against the flag again when run), pause, resume, advance or roll it back,
 * through {@link Rollouts} as a hand action would.
 */
public final class ScheduledChanges implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ScheduledChanges.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  /** Longest reason. */
  public static final int REASON_MAX = 500;
  /** The actions of an experiment's schedule. */
  public static final List<String> EXPERIMENT_ACTIONS = List.of("start", "pause", "stop", "conclude", "archive",
      "kill", "restore");
  /** The actions of a flag's schedule on its rollout in an environment (ADR 0036). */
  public static final List<String> ROLLOUT_ACTIONS = List.of("start", "pause", "resume", "advance", "rollback");
  /** The actions of a flag's schedule. */
  public static final List<String> FLAG_ACTIONS = List.of("kill", "restore", "start", "pause", "resume", "advance",
      "rollback");

  private final ConfigStore store;
  private final ConfigService config;
  private final AuditLog audit;
  private final Rollouts rollouts;
  private final Clock clock;
  private volatile io.opentelemetry.api.trace.Tracer tracer = SafetySpans.NONE;
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "assay-scheduled-changes");
    t.setDaemon(true);
    return t;
  });

  /**
   * A schedule as stored: {@code status} is pending, running, done, failed or cancelled; {@code
   * environment} names the rollout a flag's rollout action changes (else null), {@code plan} is the
   * {@link RolloutPlan} a {@code start} puts (else null).
   */
  public record Schedule(String id, String target, String key, String action, String at, String reason,
      JsonNode decision, String createdBy, String createdAt, String status, String outcome, String ranAt,
      String environment, JsonNode plan) {}

  /** A stored schedule with its project and version. */
  public record Entry(String project, long version, Schedule schedule) {}

  /** Starts the scheduler thread, which looks for due changes every {@code tick}. */
  public ScheduledChanges(ConfigStore store, ConfigService config, AuditLog audit, Rollouts rollouts, Clock clock,
      Duration tick) {
    this.store = store;
    this.config = config;
    this.audit = audit;
    this.rollouts = rollouts;
    this.clock = clock;
    long millis = Math.max(1, tick.toMillis());
    executor.scheduleWithFixedDelay(this::runOnce, millis, millis, TimeUnit.MILLISECONDS);
  }

  /**
   * Records each scheduled change applied as a span {@code assay.schedule apply} (a trace of its
   * own: schedule id, flag or experiment key, action, actor, outcome {@code done} or {@code
   * failed}); the changes it makes (a rollout transition, a payload compile) are its children.
   * Default: no spans. Returns this.
   */
  public ScheduledChanges traced(io.opentelemetry.api.trace.Tracer spans) {
    this.tracer = java.util.Objects.requireNonNull(spans, "spans");
    return this;
  }

  // ---- management ----

  /**
   * Schedules {@code action} on a flag or experiment that must exist, at {@code at} (an ISO-8601
   * instant, in the future). For {@code conclude}, {@code decision} is required and validated now.
   */
  public Entry schedule(String project, BreakerConfig.Target target, String key, String action, String at,
      String reason, Optional<JsonNode> decision, String actor) {
    return schedule(project, target, key, action, at, reason, decision, Optional.empty(), Optional.empty(), actor);
  }

  /**
   * As {@link #schedule(String, BreakerConfig.Target, String, String, String, String, Optional,
   * String)}, and for a flag's rollout action ({@link #ROLLOUT_ACTIONS}) the {@code environment}
   * of the rollout (required) and, for {@code start}, its {@code plan} (required; checked against
   * the flag now as a {@code PUT} of it would be).
   */
  public Entry schedule(String project, BreakerConfig.Target target, String key, String action, String at,
      String reason, Optional<JsonNode> decision, Optional<String> environment, Optional<RolloutPlan> plan,
      String actor) {
    List<String> allowed = target == BreakerConfig.Target.FLAG ? FLAG_ACTIONS : EXPERIMENT_ACTIONS;
    if (!allowed.contains(action)) {
      throw DomainException.invalid("action", "must be one of " + allowed + " for a " + target.wire() + ", was '"
          + action + "'");
    }
    Instant when = instant(at);
    Instant now = clock.instant();
    if (!when.isAfter(now)) {
      throw DomainException.invalid("at", "must be in the future (now is " + now + "), was " + when);
    }
    if (reason.length() > REASON_MAX) {
      throw DomainException.invalid("reason", "must be at most " + REASON_MAX + " characters");
    }
    if (action.equals("conclude")) {
      ModelJson.action("conclude", true, JSON.createObjectNode().set("decision",
          decision.orElse(JSON.nullNode())));
    } else if (decision.isPresent()) {
      throw DomainException.invalid("decision", "only a 'conclude' takes a decision");
    }
    config.get(target == BreakerConfig.Target.FLAG ? Kind.FLAG : Kind.EXPERIMENT, project, key);
    boolean onRollout = target == BreakerConfig.Target.FLAG && ROLLOUT_ACTIONS.contains(action);
    rolloutFields(project, key, action, onRollout, environment, plan);
    String id = UUID.randomUUID().toString();
    Schedule s = new Schedule(id, target.wire(), key, action, when.toString(), reason, decision.orElse(null), actor,
        now.toString(), "pending", null, null, environment.orElse(null), plan.map(ModelJson::toTree).orElse(null));
    StoredEntity saved = store.write(tx -> {
      StoredEntity e = tx.insert(Kind.SCHEDULE, project, id, write(s));
      audit.append(tx, actor, "create", Kind.SCHEDULE.name(), project, id, Optional.empty(), Optional.of(e.body()));
      return e;
    });
    return new Entry(project, saved.version(), s);
  }

  /* A rollout action names its environment, a start its plan (put-able now); other actions name neither. */
  private void rolloutFields(String project, String key, String action, boolean onRollout,
      Optional<String> environment, Optional<RolloutPlan> plan) {
    if (!onRollout) {
      if (environment.isPresent()) {
        throw DomainException.invalid("environment", "only a flag's rollout action " + ROLLOUT_ACTIONS
            + " takes an environment");
      }
      if (plan.isPresent()) {
        throw DomainException.invalid("plan", "only a flag's rollout 'start' takes a plan");
      }
      return;
    }
    String env = environment.orElseThrow(() -> DomainException.invalid("environment", "is required: the environment"
        + " of the rollout to " + action));
    if (store.read(tx -> tx.get(Kind.ENVIRONMENT, project, env)).isEmpty()) {
      throw DomainException.notFound("environment '" + env + "' not found in project '" + project + "'");
    }
    if (!action.equals("start")) {
      if (plan.isPresent()) {
        throw DomainException.invalid("plan", "only a rollout 'start' takes a plan");
      }
      return;
    }
    try {
      rollouts.check(project, key, env, plan.orElseThrow(() -> DomainException.invalid("", "is required: the"
          + " rollout plan to start, as the body of PUT /flags/{key}/rollout")));
    } catch (DomainException e) {
      throw e.category() == DomainException.Category.NOT_FOUND ? e : e.within("plan");
    }
  }

  /** The schedules of a project, pending and past, by their instant. */
  public List<Entry> list(String project) {
    if (!config.projectKeys().contains(project)) {
      throw DomainException.notFound("project '" + project + "' not found");
    }
    return store.read(tx -> tx.list(Kind.SCHEDULE, project)).stream().map(e -> entry(project, e))
        .sorted(Comparator.comparing((Entry e) -> Instant.parse(e.schedule().at()))
            .thenComparing(e -> e.schedule().id())).toList();
  }

  /**
   * Cancels a pending schedule (returned, status cancelled), or removes a finished one (done,
   * failed or cancelled; empty), so that its project can be deleted; a running one is a conflict.
   */
  public Optional<Entry> cancel(String project, String id, String actor) {
    return store.write(tx -> {
      StoredEntity current = tx.get(Kind.SCHEDULE, project, id)
          .orElseThrow(() -> DomainException.notFound("schedule '" + id + "' not found"));
      Schedule s = read(current);
      if (s.status().equals("running")) {
        throw DomainException.conflict("running", "schedule '" + id + "' is running; wait for its outcome", List.of());
      }
      if (!s.status().equals("pending")) {
        tx.delete(Kind.SCHEDULE, project, id, current.version());
        audit.append(tx, actor, "delete", Kind.SCHEDULE.name(), project, id, Optional.of(current.body()),
            Optional.empty());
        return Optional.<Entry>empty();
      }
      Schedule cancelled = with(s, "cancelled", "cancelled by " + actor, clock.instant().toString());
      StoredEntity e = tx.update(Kind.SCHEDULE, project, id, current.version(), write(cancelled));
      audit.append(tx, actor, "cancel", Kind.SCHEDULE.name(), project, id, Optional.of(current.body()),
          Optional.of(e.body()));
      return Optional.of(new Entry(project, e.version(), cancelled));
    });
  }

  // ---- the scheduler ----

  /** One round: runs every due pending change of every project. Nothing escapes (it would end the rounds). */
  void runOnce() {
    try {
      Instant now = clock.instant();
      for (String project : config.projectKeys()) {
        for (StoredEntity e : store.read(tx -> tx.list(Kind.SCHEDULE, project))) {
          Schedule s = read(e);
          if (s.status().equals("pending") && !Instant.parse(s.at()).isAfter(now)) {
            runClaimed(project, e.version(), s);
          }
        }
      }
    } catch (RuntimeException | Error e) {
      LOG.log(Level.WARNING, "scheduled changes round failed: " + e);
    }
  }

  private void runClaimed(String project, long version, Schedule s) {
    Optional<Long> claimed = store.write(tx -> {
      Optional<StoredEntity> current = tx.get(Kind.SCHEDULE, project, s.id());
      if (current.isEmpty() || current.get().version() != version || !read(current.get()).status().equals("pending")) {
        return Optional.<Long>empty();
      }
      return Optional.of(tx.update(Kind.SCHEDULE, project, s.id(), version,
          write(with(s, "running", null, null))).version());
    });
    if (claimed.isEmpty()) {
      return; // cancelled, or another replica claimed it
    }
    Schedule ran = SafetySpans.within(tracer.spanBuilder("assay.schedule apply").setNoParent()
        .setAttribute(SafetySpans.PROJECT, project).setAttribute(SafetySpans.SCHEDULE, s.id())
        .setAttribute(SafetySpans.keyOf(s.target()), s.key()).setAttribute(SafetySpans.ACTION, s.action())
        .setAttribute(SafetySpans.ACTOR, actor(s)).startSpan(), span -> {
          Schedule r = run(project, s);
          span.setAttribute(SafetySpans.OUTCOME, r.status());
          if (r.status().equals("failed")) {
            span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR, r.outcome());
          }
          return r;
        });
    long at = claimed.get();
    store.write(tx -> {
      StoredEntity e = tx.update(Kind.SCHEDULE, project, s.id(), at, write(ran));
      audit.append(tx, actor(s), "run", Kind.SCHEDULE.name(), project, s.id(), Optional.empty(),
          Optional.of(e.body()));
      return null;
    });
    store.publishChange(project);
  }

  /* Applies a claimed schedule: the schedule as it ran (done or failed, with the outcome). */
  private Schedule run(String project, Schedule s) {
    String status = "done";
    String outcome;
    try {
      outcome = apply(project, s);
    } catch (DomainException e) {
      status = "failed";
      outcome = e.getMessage();
    } catch (RuntimeException e) {
      status = "failed";
      outcome = "error: " + e.getMessage();
      LOG.log(Level.WARNING, "scheduled change " + s.id() + " failed", e);
    }
    return with(s, status, outcome, clock.instant().toString());
  }

  /* The change itself, through the ordinary paths; returns what happened. */
  private String apply(String project, Schedule s) {
    String actor = actor(s);
    Kind kind = s.target().equals("flag") ? Kind.FLAG : Kind.EXPERIMENT;
    if (kind == Kind.FLAG && ROLLOUT_ACTIONS.contains(s.action())) {
      return rollout(project, s, actor);
    }
    switch (s.action()) {
      case "kill", "restore" -> config.setKilled(kind, project, s.key(), s.action().equals("kill"),
          s.action().equals("kill") ? (s.reason().isEmpty() ? "scheduled kill " + s.id() : s.reason()) : "", actor);
      default -> {
        ObjectNode body = JSON.createObjectNode();
        if (s.decision() != null && !s.decision().isNull()) {
          body.set("decision", s.decision());
        }
        config.transition(project, s.key(), ConfigService.Action.valueOf(s.action().toUpperCase(Locale.ROOT)), body,
            actor);
      }
    }
    return s.target() + " '" + s.key() + "': " + s.action();
  }

  /* A rollout change, through Rollouts as the hand actions and the PUT go (audited under kind rollout). */
  private String rollout(String project, Schedule s, String actor) {
    String what = "rollout of flag '" + s.key() + "' in '" + s.environment() + "': ";
    if (s.action().equals("start")) {
      Rollouts.Entry e = rollouts.put(project, s.key(), s.environment(),
          ModelJson.fromStored(RolloutPlan.class, s.plan().toString()), actor);
      return what + "started at " + e.rollout().fraction();
    }
    Rollouts.Entry e = rollouts.act(project, s.key(), s.environment(), s.action(),
        s.reason().isEmpty() ? "scheduled " + s.action() + " " + s.id() : s.reason(), actor);
    return what + s.action() + ", now " + e.rollout().status().wire() + " at " + e.rollout().fraction();
  }

  /** The actor of a scheduled change's writes. */
  public static String actor(Schedule s) {
    return "schedule " + s.id() + " by " + s.createdBy();
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }

  // ---- documents ----

  private static Instant instant(String at) {
    try {
      return Instant.parse(at);
    } catch (DateTimeParseException e) {
      try {
        return OffsetDateTime.parse(at).toInstant();
      } catch (DateTimeParseException e2) {
        throw DomainException.invalid("at", "must be an ISO-8601 instant such as 2030-01-31T09:00:00Z, was '" + at
            + "'");
      }
    }
  }

  private static Schedule with(Schedule s, String status, String outcome, String ranAt) {
    return new Schedule(s.id(), s.target(), s.key(), s.action(), s.at(), s.reason(), s.decision(), s.createdBy(),
        s.createdAt(), status, outcome, ranAt, s.environment(), s.plan());
  }

  private static Entry entry(String project, StoredEntity e) {
    return new Entry(project, e.version(), read(e));
  }

  private static Schedule read(StoredEntity e) {
    try {
      return JSON.readValue(e.body(), Schedule.class);
    } catch (JsonProcessingException x) {
      throw new IllegalStateException("stored schedule " + e.key() + " is not readable: " + x.getOriginalMessage(), x);
    }
  }

  private static String write(Schedule s) {
    try {
      return JSON.writeValueAsString(s);
    } catch (JsonProcessingException x) {
      throw new IllegalStateException(x);
    }
  }
}
