package dev.assay.server.ui;

import java.util.List;
import java.util.Optional;

/**
 * What the approval, rollout and breaker pages show, as plain values built by {@link
 * SafetyDomain}. Public only because the precompiled templates live in their own package.
 */
public final class SafetyModel {
  private SafetyModel() {}

  /** A row of the change-request list. */
  public record ChangeRow(String id, String target, String key, String title, String status, String author,
      String createdAt, int approvals, int required, List<String> environments) {
    /** The target's UI page. */
    public String targetPath() {
      return "/ui/" + target + "s/" + key;
    }
  }

  /** One approval, rejection or withdrawal, with its comment. */
  public record ReviewRow(String actor, String comment, String at) {}

  /** One field-level change of a request's diff (JSON Pointer; values as JSON, empty where absent). */
  public record Change(String path, String op, String from, String to) {}

  /** A change request with its diff against the target as it is now. */
  public record ChangeDetail(ChangeRow row, long baseVersion, String role, boolean newPhase, List<ReviewRow> approvals,
      Optional<ReviewRow> closedBy, String outcome, Optional<Long> appliedVersion, String closedAt,
      List<Change> changes, boolean mine) {
    public boolean open() {
      return row.status().equals("open");
    }
  }

  /** An environment's approval policy. */
  public record PolicyRow(String environment, int approvals, String role, String updatedBy, String updatedAt) {}

  /** One transition of a rollout. */
  public record Transition(String at, String action, int fromStep, int toStep, String reason, String actor) {}

  /** One gate's verdict at the rollout's last look. */
  public record Gate(String gate, String verdict, String detail) {}

  /** A flag's progressive rollout in one environment: plan, state, gates and transitions. */
  public record RolloutRow(String environment, int rule, String status, int step, List<Double> steps,
      double fraction, long dwellSeconds, long minUnitsPerStep, String stepStartedAt, List<String> gates,
      List<Gate> lastLook, List<Transition> history, String trackingKey) {
    /** Whether a person can still act on it (a completed rollout is done). */
    public boolean actionable() {
      return !status.equals("completed");
    }

    /** The steps as percentages, the current one marked. */
    public String stepsText() {
      StringBuilder out = new StringBuilder();
      for (int i = 0; i < steps.size(); i++) {
        String pct = percent(steps.get(i));
        out.append(i == 0 ? "" : " → ").append(i == step ? "[" + pct + "]" : pct);
      }
      return out.toString();
    }

    public String fractionText() {
      return percent(fraction);
    }
  }

  /** A flag's or experiment's circuit breaker: its thresholds and whether it tripped. */
  public record BreakerRow(String target, String key, List<String> thresholds, long windowSeconds, int minSamples,
      boolean tripped, String trippedAt, String reason, boolean applied, long version) {}

  /** An open change request for a flag's rollout in an environment: its page, action and approvals so far. */
  public record PendingChange(String id, String environment, String action, String title, String author,
      int approvals, int required) {}

  /**
   * The rollouts and breaker sections of a flag page; {@code policed} the environments whose
   * approval policy holds the rollout changes that raise what is served, {@code pending} the open
   * requests for them.
   */
  public record FlagSafety(List<RolloutRow> rollouts, Optional<BreakerRow> breaker, List<String> policed,
      List<PendingChange> pending, List<String> metrics) {
    static final FlagSafety NONE = new FlagSafety(List.of(), Optional.empty(), List.of(), List.of(), List.of());

    /** The rollout of an environment, if it has one. */
    public Optional<RolloutRow> rollout(String environment) {
      return rollouts.stream().filter(r -> r.environment().equals(environment)).findFirst();
    }

    /** Whether a start, advance or resume in {@code environment} needs approval (a change request). */
    public boolean needsApproval(String environment) {
      return policed.contains(environment);
    }

    /** The open rollout requests of an environment. */
    public List<PendingChange> pending(String environment) {
      return pending.stream().filter(p -> p.environment().equals(environment)).toList();
    }
  }

  /** Guardrail rows the rollout start form offers. */
  public static final int GUARDRAIL_ROWS = 3;

  static String percent(double fraction) {
    double p = fraction * 100;
    return (p == Math.rint(p) ? String.valueOf((long) p) : String.valueOf(Math.round(p * 100) / 100.0)) + "%";
  }
}
