package dev.assay.server.domain.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The design of an experiment; written in lower case in JSON. */
public enum ExperimentType {
  AB, AA, MULTIVARIATE, BANDIT, HOLDOUT, SWITCHBACK;

  /** The JSON name, e.g. {@code ab}. */
  @JsonValue
  public String wire() {
    return WireName.of(this);
  }

  /** Reads a JSON name; an unknown one is a field error listing the allowed names. */
  @JsonCreator
  public static ExperimentType of(String wire) {
    return WireName.parse(values(), wire);
  }
}
