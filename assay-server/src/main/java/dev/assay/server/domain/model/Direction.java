package dev.assay.server.domain.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Which way a metric is better; written in lower case in JSON. */
public enum Direction {
  INCREASE, DECREASE;

  /** The JSON name, e.g. {@code increase}. */
  @JsonValue
  public String wire() {
    return WireName.of(this);
  }

  /** Reads a JSON name; an unknown one is a field error listing the allowed names. */
  @JsonCreator
  public static Direction of(String wire) {
    return WireName.parse(values(), wire);
  }
}
