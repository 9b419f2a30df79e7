package dev.assay.server.domain.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How an experiment ended; written in lower case in JSON. */
public enum Outcome {
  SHIP, ROLLBACK, INCONCLUSIVE;

  /** The JSON name, e.g. {@code ship}. */
  @JsonValue
  public String wire() {
    return WireName.of(this);
  }

  /** Reads a JSON name; an unknown one is a field error listing the allowed names. */
  @JsonCreator
  public static Outcome of(String wire) {
    return WireName.parse(values(), wire);
  }
}
