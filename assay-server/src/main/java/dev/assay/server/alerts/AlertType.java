package dev.assay.server.alerts;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The kinds of alert a channel can subscribe to; {@link #wire()} is the name in JSON. */
public enum AlertType {
  /** The guardrail monitor halted an experiment (guardrail breach or sample ratio mismatch). */
  EXPERIMENT_HALTED,
  EXPERIMENT_STARTED,
  EXPERIMENT_STOPPED,
  EXPERIMENT_CONCLUDED,
  EXPERIMENT_KILLED,
  /** A running experiment's exposed units reached its {@code plannedUnits} (once per phase). */
  EXPERIMENT_SAMPLE_REACHED,
  FLAG_KILLED,
  /** A circuit breaker tripped and halted its experiment or killed its flag (safety.CircuitBreakers). */
  BREAKER_TRIPPED,
  /** A progressive rollout moved to its next step (safety.Rollouts, ADR 0031). */
  ROLLOUT_ADVANCED,
  /** A progressive rollout rolled back to its last safe step or to control (safety.Rollouts). */
  ROLLOUT_ROLLED_BACK,
  /** A progressive rollout reached 100% and serves its value plainly (safety.Rollouts). */
  ROLLOUT_COMPLETED,
  /** A change request was opened and awaits approval (approvals.ChangeRequests, ADR 0032). */
  APPROVAL_REQUESTED,
  /** A change request reached its approvals and was applied. */
  APPROVAL_APPLIED,
  /** A change request was rejected. */
  APPROVAL_REJECTED,
  /** A fully approved change request was not applied: its target changed meanwhile. */
  APPROVAL_STALE,
  /** A running experiment's current phase has run its {@code minimumRuntimeDays} (once per phase). */
  EXPERIMENT_MINIMUM_RUNTIME,
  /** A flag is stale: unchanged for days and serving one value everywhere (safety.StaleFlags; once per version). */
  FLAG_STALE,
  /** An experiment's hourly exposures dropped or spiked against its trailing hours (safety.ExposureAnomaly). */
  EXPERIMENT_EXPOSURE_ANOMALY,
  /** The platform A/A check found the platform's p-values non-uniform (analysis.PlatformAa; once per project and run). */
  PLATFORM_AA_BIASED,
  /** Sent by {@code POST /alert-channels/{key}/test} to that one channel only. */
  TEST;

  /** Subscribes a channel to every type. */
  public static final String ALL = "*";

  /** {@code experiment.halted}, {@code flag.killed}, {@code test}. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT).replaceFirst("_", ".");
  }

  public static Optional<AlertType> fromWire(String wire) {
    return Arrays.stream(values()).filter(t -> t.wire().equals(wire)).findFirst();
  }

  /** The names a subscription may list (every type but {@link #TEST}, and {@link #ALL}). */
  public static List<String> subscribable() {
    List<String> out = new java.util.ArrayList<>();
    out.add(ALL);
    Arrays.stream(values()).filter(t -> t != TEST).forEach(t -> out.add(t.wire()));
    return out;
  }
}
