package dev.assay.server.domain.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Who a shipped variant is served to; written in lower case in JSON. */
public enum Audience {
  EXPERIMENT, EVERYONE;

  /** The JSON name, e.g. {@code experiment}. */
  @JsonValue
  public String wire() {
    return WireName.of(this);
  }

  /** Reads a JSON name; an unknown one is a field error listing the allowed names. */
  @JsonCreator
  public static Audience of(String wire) {
    return WireName.parse(values(), wire);
  }
}
