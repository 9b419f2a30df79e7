package dev.assay.server.safety;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.alerts.AlertType;
import dev.assay.server.alerts.Alerts;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.ExperimentStatus;
import dev.assay.server.domain.model.Flag;
import dev.assay.server.domain.model.FlagRule;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.domain.model.Outcome;
import dev.assay.server.domain.model.Rollout;
import dev.assay.server.domain.model.RolloutPlan;
import dev.assay.server.domain.model.RolloutStatus;
import dev.assay.server.domain.model.Versioned;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoreTransaction;
import dev.assay.server.store.StoredEntity;
import dev.assay.server.store.VersionConflictException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Progressive rollouts of flag rules (ADR 0031, docs/safety.md): creating, reading and deleting a
 * plan, the transitions by hand (pause, resume, advance, rollback) and the transitions the
 * {@link RolloutEvaluator} decides. A rollout is a {@link Kind#ROLLOUT} entity keyed {@code
 * <flag>:<environment>}; every transition is a conditional write at the version read (so of two
 * replicas or a person and the evaluator acting at once exactly one wins, the other sees a
 * conflict), audited, then recompiled and pushed to SDKs through {@link
 * ConfigService#notifyChanged} and announced by a {@code rollout.*} alert. Thread-safe.
 */
public final class Rollouts {
  /** The actor of the evaluator's transitions. */
  public static final String ACTOR = "rollout-evaluator";
  /** The actions by hand. */
  public static final List<String> ACTIONS = List.of("pause", "resume", "advance", "rollback");
  /**
   * The changes by people that pass the {@link RolloutGuard} (approval policies, ADR 0036): those
   * that raise what is served. {@code pause} and {@code rollback} never wait for anybody.
   */
  public static final List<String> GUARDED = List.of("start", "delete", "advance", "resume");

  private final ConfigStore store;
  private final ConfigService config;
  private final AuditLog audit;
  private final Clock clock;
  private final Alerts alerts;
  private volatile RolloutGuard guard = RolloutGuard.NONE;
  private volatile io.opentelemetry.api.trace.Tracer tracer = SafetySpans.NONE;

  /** A stored rollout with its project and version. */
  public record Entry(String project, long version, Rollout rollout) {}

  /**
   * A change of a flag's rollout by a person, as a change request keeps it until it is approved:
   * {@code start} (with its {@code plan}), {@code delete}, or a hand action ({@link #ACTIONS}).
   */
  public record Change(String environment, String action, @Nullable RolloutPlan plan, String reason) {
    public Change(String environment, String action, @Nullable RolloutPlan plan, @Nullable String reason) {
      this.environment = environment;
      this.action = action;
      this.plan = plan;
      this.reason = reason == null ? "" : reason;
    }
  }

  public Rollouts(ConfigStore store, ConfigService config, AuditLog audit, Clock clock, Alerts alerts) {
    this.store = store;
    this.config = config;
    this.audit = audit;
    this.clock = clock;
    this.alerts = alerts;
  }

  /** Installs the check every guarded change passes in its transaction (one guard; the last wins). */
  /**
   * Records each transition as a span {@code assay.rollout transition} (flag, environment, action,
   * actor, step, to step, outcome {@code applied} or {@code conflict}), the child of the current
   * span: the request's for a hand action, the evaluator's look for its own. Returns this.
   */
  public Rollouts traced(io.opentelemetry.api.trace.Tracer spans) {
    this.tracer = java.util.Objects.requireNonNull(spans, "spans");
    return this;
  }

  public void guard(RolloutGuard g) {
    this.guard = g;
  }

  /**
   * Checks that {@code change} could be made now, writing nothing: a start's plan as {@link
   * #check}, the other changes on an existing rollout (not found otherwise).
   */
  public void validate(String project, String flagKey, Change change) {
    if (!GUARDED.contains(change.action()) && !ACTIONS.contains(change.action())) {
      throw DomainException.invalid("action", "must be one of start, delete, " + ACTIONS + ", was '"
          + change.action() + "'");
    }
    if (change.action().equals("start")) {
      if (change.plan() == null) {
        throw DomainException.invalid("plan", "is required: the rollout plan, as the body of PUT /flags/{key}/rollout");
      }
      try {
        check(project, flagKey, change.environment(), change.plan());
      } catch (DomainException e) {
        throw e.category() == DomainException.Category.NOT_FOUND ? e : e.within("plan");
      }
    } else {
      if (change.plan() != null) {
        throw DomainException.invalid("plan", "only a 'start' takes a plan");
      }
      get(project, flagKey, change.environment());
    }
  }

  /** A rollout as it is and as a change would leave it (empty: none, or deleted). */
  public record Preview(Optional<Rollout> before, Optional<Rollout> after) {}

  /**
   * What {@code change} would do to the rollout as it is now, writing nothing (a change request's
   * diff, ADR 0049): a start puts its plan at the first step, an advance or resume moves it as
   * {@link #act} would, a delete removes it.
   */
  public Preview preview(String project, String flagKey, Change change) {
    Optional<Rollout> before = store.read(tx -> tx.get(Kind.ROLLOUT, project, Rollout.storeKey(flagKey,
        change.environment()))).map(e -> ModelJson.fromStored(Rollout.class, e.body()));
    String at = clock.instant().toString();
    String why = change.reason().isEmpty() ? change.action() : change.reason();
    Optional<Rollout> after = switch (change.action()) {
      case "start" -> Optional.ofNullable(change.plan()).map(p -> p.start(flagKey, change.environment(),
          before.map(Rollout::id).orElse("new"), at)).or(() -> before);
      case "delete" -> Optional.empty();
      case "advance" -> before.map(x -> advanced(x, at, why, ""));
      case "resume" -> before.map(x -> x.moved(RolloutStatus.RUNNING, Math.max(0, x.step()), at, "resume", why, ""));
      case "pause" -> before.map(x -> x.moved(RolloutStatus.PAUSED, x.step(), at, "pause", why, ""));
      default -> before;
    };
    return new Preview(before, after);
  }

  /** Makes {@code change}: the rollout after it, empty after a delete. */
  public Optional<Entry> apply(String project, String flagKey, Change change, String actor) {
    return switch (change.action()) {
      case "start" -> Optional.of(put(project, flagKey, change.environment(), change.plan(), actor));
      case "delete" -> {
        delete(project, flagKey, change.environment(), actor);
        yield Optional.empty();
      }
      default -> Optional.of(act(project, flagKey, change.environment(), change.action(), change.reason(), actor));
    };
  }

  /**
   * Checks that {@code plan} can be put on a flag in an environment now: the flag and the
   * environment's rule exist, the rule is a value rule, {@code control} (JSON null: the flag's
   * default) is of the flag's type, and the guardrail metrics exist. Writes nothing.
   */
  public void check(String project, String flagKey, String environment, RolloutPlan plan) {
    check(project, flagKey, environment, plan, Optional.empty());
  }

  /**
   * {@link #check} for a plan started with the conclusion of {@code shipping} (not yet written as
   * shipped): the rule must name that experiment.
   */
  public void checkShipping(String project, String flagKey, String environment, RolloutPlan plan, String shipping) {
    check(project, flagKey, environment, plan, Optional.of(shipping));
  }

  private void check(String project, String flagKey, String environment, RolloutPlan plan,
      Optional<String> shipping) {
    Flag flag = config.configuration(project).flags().stream().map(Versioned::value)
        .filter(f -> f.key().equals(flagKey)).findFirst()
        .orElseThrow(() -> DomainException.notFound("flag '" + flagKey + "' not found"));
    List<FlagRule> rules = flag.environment(environment).map(e -> e.rules()).orElse(List.of());
    int rule = plan.rule();
    if (rule < 0 || rule >= rules.size()) {
      throw DomainException.invalid("rule", "flag '" + flagKey + "' has " + rules.size() + " rule(s) in environment '"
          + environment + "', no rule " + rule);
    }
    Optional<String> named = rules.get(rule).experiment();
    if (shipping.isPresent() && !named.equals(shipping)) {
      throw DomainException.invalid("rule", "rule " + rule + " of flag '" + flagKey + "' in environment '" + environment
          + "' does not name experiment '" + shipping.get() + "'");
    }
    if (named.isPresent() && shipping.isEmpty() && !shipped(project, named.get())) {
      throw DomainException.invalid("rule", "rule " + rule + " names experiment '" + named.get() + "', which is not"
          + " concluded with a shipped variant; a rollout takes a value rule or the rule of a shipped experiment");
    }
    if (!plan.control().isNull()) {
      flag.type().check("control", plan.control());
    }
    plan.gates().guardrails().forEach(g -> config.metric(project, g.metric()));
  }

  /**
   * Creates or replaces (restarting at the first step, under a new tracking key) the rollout of a
   * flag's value rule in an environment, once {@link #check} passes.
   */
  public Entry put(String project, String flagKey, String environment, RolloutPlan plan, String actor) {
    check(project, flagKey, environment, plan);
    StoredEntity saved = store.write(tx -> start(tx, project, flagKey, environment, plan, actor));
    config.notifyChanged(project);
    return entry(project, saved);
  }

  /**
   * Writes a started rollout inside the caller's transaction, after the {@link RolloutGuard};
   * the caller checked the plan and notifies SDKs after the commit.
   */
  public StoredEntity start(StoreTransaction tx, String project, String flagKey, String environment, RolloutPlan plan,
      String actor) {
    String now = clock.instant().toString();
    Rollout fresh = plan.start(flagKey, environment, UUID.randomUUID().toString(), now)
        .moved(RolloutStatus.RUNNING, 0, now, "start", "rollout started at " + plan.steps().get(0), actor);
    String key = Rollout.storeKey(flagKey, environment);
    String body = ModelJson.toTree(fresh).toString();
    Optional<StoredEntity> current = tx.get(Kind.ROLLOUT, project, key);
    guard.check(tx, project, flagKey, environment, "start");
    StoredEntity s = current.isPresent() ? tx.update(Kind.ROLLOUT, project, key, current.get().version(), body)
        : tx.insert(Kind.ROLLOUT, project, key, body);
    audit.append(tx, actor, current.isPresent() ? "update" : "create", Kind.ROLLOUT.name(), project, key,
        current.map(StoredEntity::body), Optional.of(s.body()));
    return s;
  }

  /* An experiment concluded with a 'ship' decision: its rule can ramp the shipped variant (ADR 0036). */
  private boolean shipped(String project, String experiment) {
    return config.configuration(project).experiments().stream().map(Versioned::value)
        .filter(x -> x.key().equals(experiment)).anyMatch(x -> x.status() == ExperimentStatus.CONCLUDED
            && x.decision().filter(d -> d.outcome() == Outcome.SHIP && d.variant().isPresent()).isPresent());
  }

  /** The rollout of a flag in an environment. */
  public Entry get(String project, String flagKey, String environment) {
    return store.read(tx -> tx.get(Kind.ROLLOUT, project, Rollout.storeKey(flagKey, environment)))
        .map(e -> entry(project, e)).orElseThrow(() -> notFound(flagKey, environment));
  }

  /** The rollouts of a project, by flag and environment. */
  public List<Entry> list(String project) {
    if (!config.projectKeys().contains(project)) {
      throw DomainException.notFound("project '" + project + "' not found");
    }
    return store.read(tx -> tx.list(Kind.ROLLOUT, project)).stream().map(e -> entry(project, e)).toList();
  }

  /** Deletes a rollout: its rule serves its value plainly again (as if completed). */
  public void delete(String project, String flagKey, String environment, String actor) {
    String key = Rollout.storeKey(flagKey, environment);
    store.write(tx -> {
      StoredEntity current = tx.get(Kind.ROLLOUT, project, key).orElseThrow(() -> notFound(flagKey, environment));
      guard.check(tx, project, flagKey, environment, "delete");
      tx.delete(Kind.ROLLOUT, project, key, current.version());
      audit.append(tx, actor, "delete", Kind.ROLLOUT.name(), project, key, Optional.of(current.body()),
          Optional.empty());
      return null;
    });
    config.notifyChanged(project);
  }

  /** An action by hand: {@code pause}, {@code resume}, {@code advance} or {@code rollback}. */
  public Entry act(String project, String flagKey, String environment, String action, String reason, String actor) {
    if (!ACTIONS.contains(action)) {
      throw DomainException.invalid("action", "must be one of " + ACTIONS + ", was '" + action + "'");
    }
    // Applied to the latest version: an evaluator's look written meanwhile does not defeat a person.
    for (int attempt = 0; attempt < 5; attempt++) {
      Entry current = get(project, flagKey, environment);
      if (current.rollout().status() == RolloutStatus.COMPLETED) {
        throw DomainException.conflict("completed", "the rollout of '" + flagKey + "' in '" + environment
            + "' has completed", List.of());
      }
      String why = reason.isEmpty() ? action + " by " + actor : reason;
      String at = clock.instant().toString();
      UnaryOperator<Rollout> change = switch (action) {
        case "pause" -> x -> x.moved(RolloutStatus.PAUSED, x.step(), at, action, why, actor);
        case "resume" -> x -> x.moved(RolloutStatus.RUNNING, Math.max(0, x.step()), at, action, why, actor);
        case "advance" -> x -> advanced(x, at, why, actor);
        default -> x -> x.moved(RolloutStatus.ROLLED_BACK, x.step() - (x.step() >= 0 ? 1 : 0), at, action, why,
            actor);
      };
      Optional<Entry> done = transition(project, current, change, action, actor, GUARDED.contains(action));
      if (done.isPresent()) {
        return done.get();
      }
    }
    throw DomainException.conflict("version_conflict", "the rollout kept changing meanwhile; retry", List.of());
  }

  /** The next step (the same status), or completion when the next step is the last (100%). */
  static Rollout advanced(Rollout r, String at, String reason, String actor) {
    int next = r.step() + 1;
    return next >= r.steps().size() - 1
        ? r.moved(RolloutStatus.COMPLETED, r.steps().size() - 1, at, "complete", reason, actor)
        : r.moved(r.status() == RolloutStatus.ROLLED_BACK ? RolloutStatus.RUNNING : r.status(), next, at, "advance",
            reason, actor);
  }

  /**
   * Writes {@code change} of the rollout read at {@code read}'s version, audited as {@code
   * action}; empty when the rollout changed (or went) meanwhile. A change of step or status is
   * recompiled, pushed and alerted; a change of the last look alone is only stored.
   */
  Optional<Entry> transition(String project, Entry read, UnaryOperator<Rollout> change, String action, String actor) {
    return transition(project, read, change, action, actor, false);
  }

  private Optional<Entry> transition(String project, Entry read, UnaryOperator<Rollout> change, String action,
      String actor, boolean guarded) {
    Rollout before = read.rollout();
    Rollout after = change.apply(before);
    return SafetySpans.within(tracer.spanBuilder("assay.rollout transition").setAttribute(SafetySpans.PROJECT, project)
        .setAttribute(SafetySpans.FLAG, before.flag()).setAttribute(SafetySpans.ENVIRONMENT, before.environment())
        .setAttribute(SafetySpans.ACTION, action).setAttribute(SafetySpans.ACTOR, actor)
        .setAttribute(SafetySpans.STEP, (long) before.step()).setAttribute(SafetySpans.TO_STEP, (long) after.step())
        .startSpan(), span -> {
          Optional<Entry> done = write(project, read, before, after, action, actor, guarded);
          span.setAttribute(SafetySpans.OUTCOME, done.isPresent() ? "applied" : "conflict");
          return done;
        });
  }

  private Optional<Entry> write(String project, Entry read, Rollout before, Rollout after, String action,
      String actor, boolean guarded) {
    String key = Rollout.storeKey(before.flag(), before.environment());
    StoredEntity saved;
    try {
      saved = store.write(tx -> {
        Optional<StoredEntity> current = tx.get(Kind.ROLLOUT, project, key);
        if (current.isEmpty() || current.get().version() != read.version()) {
          return null;
        }
        if (guarded) {
          guard.check(tx, project, before.flag(), before.environment(), action);
        }
        StoredEntity s = tx.update(Kind.ROLLOUT, project, key, read.version(), ModelJson.toTree(after).toString());
        audit.append(tx, actor, action, Kind.ROLLOUT.name(), project, key, Optional.of(current.get().body()),
            Optional.of(s.body()));
        return s;
      });
    } catch (VersionConflictException e) {
      return Optional.empty();
    }
    if (saved == null) {
      return Optional.empty();
    }
    if (after.step() != before.step() || after.status() != before.status()) {
      config.notifyChanged(project);
      alert(project, before, after, actor);
    }
    return Optional.of(entry(project, saved));
  }

  private void alert(String project, Rollout before, Rollout after, String actor) {
    AlertType type = after.status() == RolloutStatus.COMPLETED ? AlertType.ROLLOUT_COMPLETED
        : after.step() < before.step() ? AlertType.ROLLOUT_ROLLED_BACK
        : after.step() > before.step() ? AlertType.ROLLOUT_ADVANCED : null;
    if (type == null) {
      return;
    }
    Rollout.Transition t = after.history().get(after.history().size() - 1);
    ObjectNode body = JsonNodeFactory.instance.objectNode().put("event", type.wire()).put("project", project)
        .put("flag", after.flag()).put("environment", after.environment()).put("fromStep", before.step())
        .put("toStep", after.step()).put("fraction", after.fraction()).put("reason", t.reason()).put("actor", actor)
        .put("at", t.at()).put("trackingKey", after.trackingKey());
    alerts.emit(project, type, "rollout of flag '" + after.flag() + "' in '" + after.environment() + "' "
        + type.wire().substring("rollout.".length()).replace('_', ' ') + " to " + after.fraction() + ": " + t.reason(),
        body);
  }

  public static Entry entry(String project, StoredEntity e) {
    return new Entry(project, e.version(), ModelJson.fromStored(Rollout.class, e.body()));
  }

  private static DomainException notFound(String flagKey, String environment) {
    return DomainException.notFound("no rollout on flag '" + flagKey + "' in environment '" + environment + "'");
  }
}
