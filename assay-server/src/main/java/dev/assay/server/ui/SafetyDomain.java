package dev.assay.server.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.approvals.ChangeRequest;
import dev.assay.server.approvals.ChangeRequests;
import dev.assay.server.approvals.Policy;
import dev.assay.server.approvals.Review;
import dev.assay.server.auth.Principal;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.domain.model.Rollout;
import dev.assay.server.domain.model.RolloutPlan;
import dev.assay.server.safety.BreakerConfig;
import dev.assay.server.safety.CircuitBreakers;
import dev.assay.server.safety.Rollouts;
import dev.assay.server.ui.SafetyModel.BreakerRow;
import dev.assay.server.ui.SafetyModel.Change;
import dev.assay.server.ui.SafetyModel.ChangeDetail;
import dev.assay.server.ui.SafetyModel.ChangeRow;
import dev.assay.server.ui.SafetyModel.FlagSafety;
import dev.assay.server.ui.SafetyModel.PendingChange;
import dev.assay.server.ui.SafetyModel.PolicyRow;
import dev.assay.server.ui.SafetyModel.ReviewRow;
import dev.assay.server.ui.SafetyModel.RolloutRow;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The UI's adapter to approvals ({@link ChangeRequests}, {@code Policies}), progressive rollouts
 * ({@link Rollouts}) and circuit breakers ({@link CircuitBreakers}): the same service instances
 * {@code api.ApprovalsApi}, {@code api.RolloutsApi} and {@code api.BreakersApi} call, so the
 * four-eyes rules, validation and audit are theirs. Form text becomes typed arguments here, with
 * the API's field names in its errors. Thread-safe.
 */
final class SafetyDomain {
  static final int REASON_MAX = 500;
  private final WebUi.Safety s;

  SafetyDomain(WebUi.Safety services) {
    this.s = services;
  }

  // ---- change requests ----

  /** The project's requests, newest first; {@code status} empty for all. */
  List<ChangeRow> changeRequests(String project, String status) {
    return s.changeRequests().list(project, status.isEmpty() ? Optional.empty() : Optional.of(status)).stream()
        .map(e -> row(e.request())).toList();
  }

  ChangeDetail changeRequest(String project, String id, Principal me) {
    ChangeRequests.Entry e = s.changeRequests().get(project, id);
    ChangeRequest r = e.request();
    List<Change> changes = new ArrayList<>();
    if (r.status().equals("open")) {
      for (JsonNode c : s.changeRequests().diff(e)) {
        changes.add(new Change(c.path("path").asText(), c.path("op").asText(), json(c.get("from")), json(c.get("to"))));
      }
    }
    return new ChangeDetail(row(r), r.baseVersion(), r.role(), r.newPhase(),
        r.approvals().stream().map(SafetyDomain::review).toList(), Optional.ofNullable(r.closedBy()).map(SafetyDomain::review),
        r.outcome() == null ? "" : r.outcome(), Optional.ofNullable(r.appliedVersion()),
        r.closedAt() == null ? "" : r.closedAt(), changes, r.authorId().equals(me.keyId()));
  }

  /** Approves, rejects or withdraws a request as {@code me}; the status it has afterwards. */
  String review(String project, String id, String action, Principal me, String comment) {
    ChangeRequests.Caller by = caller(me);
    ChangeRequests.Entry e = switch (action) {
      case "approve" -> s.changeRequests().approve(project, id, by, comment);
      case "reject" -> s.changeRequests().reject(project, id, by, comment);
      case "withdraw" -> s.changeRequests().withdraw(project, id, by, comment);
      default -> throw DomainException.notFound("a change request can be approved, rejected or withdrawn, not '"
          + action + "'");
    };
    return e.request().status();
  }

  /** Opens a request for a flag's or experiment's new document at {@code baseVersion}; its id. */
  String open(String project, String target, String key, long baseVersion, ObjectNode document, String title,
      Principal me) {
    return open(project, target, key, baseVersion, document, false, title, me);
  }

  /** As above, {@code newPhase} for an experiment whose change re-seeds assignment. */
  String open(String project, String target, String key, long baseVersion, ObjectNode document, boolean newPhase,
      String title, Principal me) {
    ObjectNode doc = document.deepCopy();
    doc.remove("version");
    return s.changeRequests().open(project, target, key, baseVersion, doc, newPhase, title, caller(me)).request()
        .id();
  }

  private static ChangeRequests.Caller caller(Principal p) {
    return new ChangeRequests.Caller(p.keyId(), p.actor(), p.role());
  }

  private static ChangeRow row(ChangeRequest r) {
    return new ChangeRow(r.id(), r.target(), r.key(), r.title(), r.status(), r.author(), r.createdAt(),
        r.approvals().size(), r.required(), r.environments());
  }

  private static ReviewRow review(Review r) {
    return new ReviewRow(r.actor(), r.comment(), r.at());
  }

  private static String json(JsonNode v) {
    return v == null ? "" : v.toString();
  }

  // ---- approval policies ----

  List<PolicyRow> policies(String project) {
    return s.policies().list(project).stream()
        .map(p -> new PolicyRow(p.environment(), p.approvals(), p.role(), p.updatedBy(), p.updatedAt())).toList();
  }

  void setPolicy(String project, String environment, String approvals, String role, String actor) {
    if (environment.isEmpty()) {
      throw DomainException.invalid("environment", "is required");
    }
    s.policies().set(project, environment, (int) integer("approvals", approvals, 1, Policy.MAX_APPROVALS), role,
        actor);
  }

  void deletePolicy(String project, String environment, String actor) {
    s.policies().delete(project, environment, actor);
  }

  // ---- rollouts and breakers ----

  /**
   * A flag's rollouts (by environment), breaker, the environments whose approval policy holds
   * rollout changes, the open rollout requests, and {@code metrics} (the guardrail choices).
   */
  FlagSafety flag(String project, String flagKey, List<String> metrics) {
    List<RolloutRow> rows = s.rollouts().list(project).stream().map(Rollouts.Entry::rollout)
        .filter(r -> r.flag().equals(flagKey)).map(SafetyDomain::rollout).toList();
    List<String> policed = s.policies().list(project).stream().map(Policy::environment).toList();
    List<PendingChange> pending = s.changeRequests().list(project, Optional.of("open")).stream()
        .map(ChangeRequests.Entry::request).filter(r -> r.target().equals("rollout") && r.key().equals(flagKey))
        .map(r -> {
          Rollouts.Change c = ModelJson.fromStored(Rollouts.Change.class, r.document().toString());
          return new PendingChange(r.id(), c.environment(), c.action(), r.title(), r.author(), r.approvals().size(),
              r.required());
        }).toList();
    return new FlagSafety(rows, breaker(project, BreakerConfig.Target.FLAG, flagKey), policed, pending, metrics);
  }

  /** An action by hand on a flag's rollout: pause, resume, advance or rollback, with an optional reason. */
  void act(String project, String flagKey, String environment, String action, String reason, String actor) {
    if (!Rollouts.ACTIONS.contains(action)) {
      throw DomainException.invalid("action", "must be one of " + Rollouts.ACTIONS + ", was '" + action + "'");
    }
    s.rollouts().act(project, flagKey, environment, action, reason(reason), actor);
  }

  /**
   * Opens a change request for a hand action an approval policy holds ({@code advance}, {@code
   * resume}); the reason is its title too. Its id.
   */
  String requestAction(String project, String flagKey, String environment, String action, String reason,
      Principal me) {
    if (!Rollouts.GUARDED.contains(action) || action.equals("start")) {
      throw DomainException.invalid("action", "only advance and resume wait for approval ('" + action
          + "' is made directly)");
    }
    String why = reason(reason);
    return s.changeRequests().openRollout(project, flagKey, new Rollouts.Change(environment, action, null, why), why,
        caller(me)).request().id();
  }

  /** A guardrail row of the start form: a metric key (empty: the row is unused) and its margin. */
  record GuardrailInput(String metric, String margin) {}

  /** The plan of a rollout as typed into the start form (steps in percent, comma-separated). */
  record RolloutInput(String rule, String steps, String dwellSeconds, String minUnitsPerStep, String errorRateMargin,
      String latencyMarginMillis, boolean srm, List<GuardrailInput> guardrails) {
    RolloutInput {
      guardrails = List.copyOf(guardrails);
    }

    /**
     * The plan's inputs of a form that names them {@code <prefix>steps}, {@code
     * <prefix>gates.srm}, … (the start form: no prefix; the conclude form: {@code rollout.plan.}),
     * with the rule given.
     */
    static RolloutInput of(Form f, String prefix, String rule) {
      List<GuardrailInput> guardrails = new ArrayList<>();
      for (int i = 0; i < SafetyModel.GUARDRAIL_ROWS; i++) {
        guardrails.add(new GuardrailInput(f.get(prefix + "gates.guardrails[" + i + "].metric"),
            f.get(prefix + "gates.guardrails[" + i + "].margin")));
      }
      return new RolloutInput(rule, f.get(prefix + "steps"), f.get(prefix + "dwellSeconds"),
          f.get(prefix + "minUnitsPerStep"), f.get(prefix + "gates.errorRateMargin"),
          f.get(prefix + "gates.latencyMarginMillis"), f.checked(prefix + "gates.srm"), guardrails);
    }
  }

  /** Starts (or restarts) the rollout of a flag's value rule in an environment; {@code metrics}: the project's. */
  void start(String project, String flagKey, String environment, RolloutInput in, List<String> metrics,
      String actor) {
    s.rollouts().put(project, flagKey, environment, plan(project, flagKey, environment, in, metrics), actor);
  }

  /** Opens a change request to start the rollout (its plan checked now, as a start would be); its id. */
  String requestStart(String project, String flagKey, String environment, RolloutInput in, List<String> metrics,
      String title, Principal me) {
    RolloutPlan plan = plan(project, flagKey, environment, in, metrics);
    return s.changeRequests().openRollout(project, flagKey, new Rollouts.Change(environment, "start", plan, ""),
        reason(title), caller(me)).request().id();
  }

  /* The typed plan of the form, checked against the flag and the project's metrics; errors name the form's inputs. */
  private RolloutPlan plan(String project, String flagKey, String environment, RolloutInput in,
      List<String> metrics) {
    RolloutPlan plan = parse(in, metrics);
    s.rollouts().check(project, flagKey, environment, plan);
    return plan;
  }

  /**
   * The typed plan of a form, its guardrails among the project's {@code metrics}; not yet checked
   * against a flag. Errors name the plan's fields ({@code steps}, {@code gates.guardrails[0].margin}).
   */
  static RolloutPlan parse(RolloutInput in, List<String> metrics) {
    List<Double> steps = new ArrayList<>();
    String[] parts = in.steps().split(",");
    for (String part : parts) {
      double pct = number("steps", part.strip(), 100).orElseThrow(() ->
          DomainException.invalid("steps", "lists percentages from 1 to 100 separated by commas, ending in 100"));
      steps.add(pct / 100);
    }
    if (steps.get(steps.size() - 1) != 1.0) {
      throw DomainException.invalid("steps", "must end at 100 (every unit the rule matches), ends at "
          + parts[parts.length - 1].strip());
    }
    List<Rollout.Guardrail> guardrails = new ArrayList<>();
    for (int i = 0; i < in.guardrails().size(); i++) {
      GuardrailInput g = in.guardrails().get(i);
      String at = "gates.guardrails[" + i + "].";
      if (g.metric().isEmpty()) {
        if (!g.margin().isEmpty()) {
          throw DomainException.invalid(at + "metric", "is required when a margin is given");
        }
        continue;
      }
      if (!metrics.contains(g.metric())) {
        throw DomainException.invalid(at + "metric", "no metric '" + abbreviate(g.metric()) + "' in this project");
      }
      double margin = number(at + "margin", g.margin(), Double.MAX_VALUE).orElseThrow(() ->
          DomainException.invalid(at + "margin", "is required: the degradation the guardrail tolerates, in the"
              + " metric's units (non-inferiority margin)"));
      guardrails.add(new Rollout.Guardrail(g.metric(), margin));
    }
    Rollout.Gates gates = new Rollout.Gates(number("gates.errorRateMargin", in.errorRateMargin(), 1),
        number("gates.latencyMarginMillis", in.latencyMarginMillis(), 3.6e6), in.srm(), guardrails, null);
    return new RolloutPlan((int) integer("rule", in.rule(), 0, 199), NullNode.getInstance(), steps,
        integer("dwellSeconds", in.dwellSeconds(), 0, 30L * 86_400),
        integer("minUnitsPerStep", in.minUnitsPerStep(), 0, 1_000_000_000L), gates, null);
  }

  Optional<BreakerRow> breaker(String project, BreakerConfig.Target target, String key) {
    return s.breakers().list(project).stream()
        .filter(b -> b.config().target() == target && b.config().key().equals(key)).findFirst()
        .map(SafetyDomain::breaker);
  }

  /** Re-arms a breaker with its configuration (a tripped one starts judging afresh). */
  void rearm(String project, BreakerConfig.Target target, String key, String actor) {
    CircuitBreakers.Breaker b = s.breakers().get(project, target, key);
    s.breakers().put(project, b.config(), actor);
  }

  private static RolloutRow rollout(Rollout r) {
    List<String> gates = new ArrayList<>();
    r.gates().errorRateMargin().ifPresent(m -> gates.add("error rate at most " + m + " above control"));
    r.gates().latencyMarginMillis().ifPresent(m -> gates.add("mean latency at most " + m + " ms above control"));
    if (r.gates().srm()) {
      gates.add("no sample ratio mismatch");
    }
    r.gates().guardrails().forEach(g -> gates.add("guardrail " + g.metric() + " within " + g.margin()));
    return new RolloutRow(r.environment(), r.rule(), r.status().wire(), r.step(), r.steps(), r.fraction(),
        r.dwellSeconds(), r.minUnitsPerStep(), r.stepStartedAt(), gates,
        r.lastLook().stream().map(g -> new SafetyModel.Gate(g.gate(), g.verdict(), g.detail())).toList(),
        r.history().reversed().stream().map(t -> new SafetyModel.Transition(t.at(), t.action(), t.fromStep(),
            t.toStep(), t.reason(), t.actor())).toList(), r.trackingKey());
  }

  private static BreakerRow breaker(CircuitBreakers.Breaker b) {
    BreakerConfig c = b.config();
    List<String> thresholds = new ArrayList<>();
    add(thresholds, "error rate above control by more than ", c.errorRateMargin(), "");
    add(thresholds, "p99 latency above control by more than ", c.latencyP99Margin().isPresent()
        ? OptionalDouble.of(c.latencyP99Margin().getAsDouble() * 100) : OptionalDouble.empty(), "%");
    add(thresholds, "error rate above ", c.maxErrorRate(), "");
    add(thresholds, "p99 latency above ", c.maxP99Millis(), " ms");
    return new BreakerRow(c.target().wire(), c.key(), thresholds, c.windowSeconds(), c.minSamples(),
        b.trip().isPresent(), b.trip().map(CircuitBreakers.Trip::at).orElse(""),
        b.trip().map(CircuitBreakers.Trip::reason).orElse(""), b.trip().map(CircuitBreakers.Trip::isApplied)
        .orElse(false), b.version());
  }

  private static void add(List<String> out, String what, OptionalDouble v, String unit) {
    v.ifPresent(x -> out.add(what + x + unit));
  }

  // ---- form text ----

  /** A reason of at most {@value #REASON_MAX} characters (the API's rule), stripped; empty when blank. */
  static String reason(String reason) {
    if (reason.length() > REASON_MAX) {
      throw DomainException.invalid("reason", "must be at most " + REASON_MAX + " characters, was " + reason.length());
    }
    return reason.strip();
  }

  private static long integer(String field, String text, long min, long max) {
    if (text.isEmpty()) {
      return min;
    }
    try {
      long v = Long.parseLong(text);
      if (v >= min && v <= max) {
        return v;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw DomainException.invalid(field, "must be a whole number from " + min + " to " + max + ", was '"
        + abbreviate(text) + "'");
  }

  /* A number in (0, max]; empty when blank. */
  private static Optional<Double> number(String field, String text, double max) {
    if (text.isEmpty()) {
      return Optional.empty();
    }
    try {
      double v = Double.parseDouble(text);
      if (text.matches("[0-9.eE+-]+") && v > 0 && v <= max) {
        return Optional.of(v);
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw DomainException.invalid(field, "must be a number greater than 0" + (max < Double.MAX_VALUE
        ? " and at most " + max : "") + ", was '" + abbreviate(text) + "'");
  }

  private static String abbreviate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "…" : s;
  }
}
