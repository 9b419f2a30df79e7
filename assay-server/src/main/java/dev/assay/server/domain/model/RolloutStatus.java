package dev.assay.server.domain.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Where a progressive rollout is (ADR 0031); written in lower case in JSON. {@code running}: the
 * evaluator advances, holds or rolls back; {@code paused}: the current step is served, nothing
 * moves until resumed; {@code rolled_back}: a gate failed, the last safe step (or control) is
 * served until resumed; {@code completed}: the rule serves its value plainly.
 */
public enum RolloutStatus {
  RUNNING, PAUSED, ROLLED_BACK, COMPLETED;

  /** The JSON name, e.g. {@code rolled_back}. */
  @JsonValue
  public String wire() {
    return WireName.of(this);
  }

  /** Reads a JSON name; an unknown one is a field error listing the allowed names. */
  @JsonCreator
  public static RolloutStatus of(String wire) {
    return WireName.parse(values(), wire);
  }
}
