package dev.assay.server.domain.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The plan of a progressive rollout as a person writes it (ADR 0031): which value rule, the
 * control value, the steps, dwell, sample and gates; the server adds the state when it starts one
 * ({@link #start}). A plan is valid when a rollout can start from it: the constructor checks every
 * field as {@link Rollout} does (a bad one names the field); that the flag, its rule and the
 * guardrail metrics exist is checked when the plan is put (safety.Rollouts). Kept by a scheduled
 * start (ADR 0036) until it runs.
 *
 * @param control the value served to control; JSON null for the flag's default
 * @param settleSeconds empty (null) for {@link Rollout#DEFAULT_SETTLE_SECONDS}
 */
public record RolloutPlan(int rule, JsonNode control, List<Double> steps, long dwellSeconds, long minUnitsPerStep,
    Rollout.Gates gates, @Nullable Long settleSeconds) {
  public RolloutPlan(int rule, @Nullable JsonNode control, @Nullable List<Double> steps, long dwellSeconds,
      long minUnitsPerStep, Rollout.@Nullable Gates gates, @Nullable Long settleSeconds) {
    this.rule = rule;
    this.control = control == null ? NullNode.getInstance() : control;
    this.steps = Check.list("steps", steps, 20);
    this.dwellSeconds = dwellSeconds;
    this.minUnitsPerStep = minUnitsPerStep;
    this.gates = gates == null ? new Rollout.Gates(null, null, null, null, null) : gates;
    this.settleSeconds = settleSeconds;
    start("plan", "plan", "plan", "1970-01-01T00:00:00Z");
  }

  /** A rollout of this plan on {@code flag} in {@code environment}, running at its first step since {@code at}. */
  public Rollout start(String flag, String environment, String id, String at) {
    return new Rollout(flag, environment, rule, control, steps, dwellSeconds, minUnitsPerStep, gates, id,
        RolloutStatus.RUNNING, 0, at, List.of(), List.of(), settleSeconds);
  }
}
