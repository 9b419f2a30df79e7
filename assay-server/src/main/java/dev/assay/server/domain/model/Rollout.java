package dev.assay.server.domain.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.assay.server.domain.DomainException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A progressive rollout of one value rule of a flag in one environment (ADR 0031): its plan
 * (steps, dwell, sample, gates) and its state (status, current step, when it began, the
 * transitions so far and the gates' last look). Stored as a {@code ROLLOUT} entity keyed
 * {@code <flag>:<environment>}; the server alone sets the state. While it is not completed, the
 * payload serves the rule as a tracked two-arm experiment ({@link #trackingKey()}): control (the
 * {@code control} value, else the flag's default) and treatment (the rule's value) with weights
 * [1 − p, p] for the current step's fraction p.
 *
 * @param rule the index of the flag's rule in the environment (a value rule)
 * @param control the value served to control; JSON null for the flag's default
 * @param steps the treatment fractions, strictly increasing, the last 1.0
 * @param dwellSeconds the least time a step is served before it may advance
 * @param minUnitsPerStep the least units exposed to treatment in a step before it may advance
 * @param step the index of the current step; −1 when rolled back to control
 * @param stepStartedAt when the current step began (ISO-8601)
 * @param settleSeconds how long after a step began its analysis window starts, so that exposures
 *     served from the previous payload (SDKs not yet updated) do not count in the new step
 */
public record Rollout(String flag, String environment, int rule, JsonNode control, List<Double> steps,
    long dwellSeconds, long minUnitsPerStep, Gates gates, String id, RolloutStatus status, int step,
    String stepStartedAt, List<Transition> history, List<GateResult> lastLook, Long settleSeconds) {
  /** The settle time of a plan that names none. */
  public static final long DEFAULT_SETTLE_SECONDS = 5;
  /** Most transitions kept (the oldest are dropped; the audit log keeps them all). */
  public static final int HISTORY_MAX = 100;
  public static final double DEFAULT_ALPHA = 0.05;

  /**
   * The gates of a rollout; each is judged on the current step's window only.
   *
   * @param errorRateMargin the tolerated increase of the share of units with an {@code $error}
   *     event (absolute, 0.01 = one point); empty: no error gate
   * @param latencyMarginMillis the tolerated increase of a unit's mean total {@code $latency_ms};
   *     empty: no latency gate
   * @param srm whether a sample ratio mismatch (sequential test against [1 − p, p]) fails the step
   * @param guardrails guardrail metrics with their non-inferiority margins
   * @param alpha the error rate of every always-valid test
   */
  public record Gates(Optional<Double> errorRateMargin, Optional<Double> latencyMarginMillis, Boolean srm,
      List<Guardrail> guardrails, Double alpha) {
    public Gates(@Nullable Optional<Double> errorRateMargin, @Nullable Optional<Double> latencyMarginMillis,
        @Nullable Boolean srm, @Nullable List<Guardrail> guardrails, @Nullable Double alpha) {
      this.errorRateMargin = Check.optional(errorRateMargin);
      this.errorRateMargin.ifPresent(m -> positive("gates.errorRateMargin", m, 1.0));
      this.latencyMarginMillis = Check.optional(latencyMarginMillis);
      this.latencyMarginMillis.ifPresent(m -> positive("gates.latencyMarginMillis", m, 3.6e6));
      this.srm = srm == null || srm;
      this.guardrails = Check.list("gates.guardrails", guardrails, 20);
      this.alpha = alpha == null ? DEFAULT_ALPHA : alpha;
      if (!(this.alpha > 0 && this.alpha < 0.5)) {
        throw DomainException.invalid("gates.alpha", "must be in (0, 0.5), was " + this.alpha);
      }
    }
  }

  /** A guardrail metric (by key) and the degradation it tolerates, in the metric's units. */
  public record Guardrail(String metric, Double margin) {
    public Guardrail(String metric, @Nullable Double margin) {
      this.metric = Check.key("gates.guardrails.metric", metric);
      this.margin = Check.required("gates.guardrails.margin", margin);
      positive("gates.guardrails.margin", this.margin, Double.MAX_VALUE);
    }
  }

  /** One transition: its action ({@code start}, {@code advance}, {@code rollback}, …), steps and why. */
  public record Transition(String at, String action, int fromStep, int toStep, String reason, String actor) {}

  /** One gate's verdict at the last look: {@code pass}, {@code lacks_data} or {@code fail}, and why. */
  public record GateResult(String gate, String verdict, String detail) {}

  public Rollout(String flag, String environment, int rule, @Nullable JsonNode control, List<Double> steps,
      long dwellSeconds, long minUnitsPerStep, @Nullable Gates gates, String id, RolloutStatus status, int step,
      String stepStartedAt, @Nullable List<Transition> history, @Nullable List<GateResult> lastLook,
      @Nullable Long settleSeconds) {
    this.flag = Check.key("flag", flag);
    this.environment = Check.key("environment", environment);
    if (rule < 0 || rule >= 200) {
      throw DomainException.invalid("rule", "must be a rule index from 0 to 199, was " + rule);
    }
    this.rule = rule;
    this.control = control == null ? NullNode.getInstance() : control;
    this.steps = steps(steps);
    if (dwellSeconds < 0 || dwellSeconds > 30L * 86_400) {
      throw DomainException.invalid("dwellSeconds", "must be 0 to 2592000, was " + dwellSeconds);
    }
    this.dwellSeconds = dwellSeconds;
    if (minUnitsPerStep < 0 || minUnitsPerStep > 1_000_000_000L) {
      throw DomainException.invalid("minUnitsPerStep", "must be 0 to 1000000000, was " + minUnitsPerStep);
    }
    this.minUnitsPerStep = minUnitsPerStep;
    this.gates = gates == null ? new Gates(null, null, null, null, null) : gates;
    this.id = Check.requiredText("id", id, 64);
    this.status = Check.required("status", status);
    if (step < -1 || step >= this.steps.size()) {
      throw DomainException.invalid("step", "must be -1 to " + (this.steps.size() - 1) + ", was " + step);
    }
    this.step = step;
    this.stepStartedAt = Check.requiredText("stepStartedAt", stepStartedAt, 64);
    List<Transition> h = Check.list("history", history, Integer.MAX_VALUE);
    this.history = h.size() > HISTORY_MAX ? List.copyOf(h.subList(h.size() - HISTORY_MAX, h.size())) : h;
    this.lastLook = Check.list("lastLook", lastLook, 100);
    this.settleSeconds = settleSeconds == null ? DEFAULT_SETTLE_SECONDS : settleSeconds;
    if (this.settleSeconds < 0 || this.settleSeconds > 3600) {
      throw DomainException.invalid("settleSeconds", "must be 0 to 3600, was " + this.settleSeconds);
    }
  }

  private static List<Double> steps(@Nullable List<Double> steps) {
    List<Double> s = Check.list("steps", steps, 20);
    if (s.size() < 2) {
      throw DomainException.invalid("steps", "must name at least two steps, the last 1.0 (a step below 1.0 is"
          + " compared with control before the rollout completes)");
    }
    for (int i = 0; i < s.size(); i++) {
      double v = s.get(i);
      if (!(v > 0 && v <= 1)) {
        throw DomainException.invalid("steps[" + i + "]", "must be in (0, 1], was " + v);
      }
      if (i > 0 && !(v > s.get(i - 1))) {
        throw DomainException.invalid("steps[" + i + "]", "must be greater than the step before (" + s.get(i - 1)
            + "), was " + v);
      }
    }
    if (s.get(s.size() - 1) != 1.0) {
      throw DomainException.invalid("steps", "the last step must be 1.0, was " + s.get(s.size() - 1));
    }
    return s;
  }

  private static void positive(String field, double v, double max) {
    if (!(v > 0 && v <= max)) {
      throw DomainException.invalid(field, "must be greater than 0 and at most " + max + ", was " + v);
    }
  }

  /** The store key of a flag's rollout in an environment. */
  public static String storeKey(String flag, String environment) {
    return flag + ":" + environment;
  }

  /** The experiment key the payload tracks exposures under: {@code rollout:<flag>:<id>}. */
  public String trackingKey() {
    return "rollout:" + flag + ":" + id;
  }

  /** The share of units served treatment now: 0 when rolled back to control. */
  public double fraction() {
    return step < 0 ? 0.0 : steps.get(step);
  }

  /** This rollout moved to another status and step (begun {@code at}), with the transition recorded. */
  public Rollout moved(RolloutStatus to, int toStep, String at, String action, String reason, String actor) {
    List<Transition> h = new ArrayList<>(history);
    h.add(new Transition(at, action, step, toStep, reason, actor));
    String started = toStep == step ? stepStartedAt : at;
    return new Rollout(flag, environment, rule, control, steps, dwellSeconds, minUnitsPerStep, gates, id, to, toStep,
        started, h, lastLook, settleSeconds);
  }

  /** This rollout with the gates' verdicts of a look. */
  public Rollout looked(List<GateResult> results) {
    return new Rollout(flag, environment, rule, control, steps, dwellSeconds, minUnitsPerStep, gates, id, status, step,
        stepStartedAt, history, results, settleSeconds);
  }
}
