package dev.assay.server.domain.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The inference engine of an analysis; written in lower case in JSON. */
public enum Engine {
  FREQUENTIST, BAYESIAN;

  /** The JSON name, e.g. {@code frequentist}. */
  @JsonValue
  public String wire() {
    return WireName.of(this);
  }

  /** Reads a JSON name; an unknown one is a field error listing the allowed names. */
  @JsonCreator
  public static Engine of(String wire) {
    return WireName.parse(values(), wire);
  }
}
