package dev.assay.server.domain.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The multiple-testing correction over goal and secondary metrics; written in lower case in JSON. */
public enum Correction {
  BENJAMINI_HOCHBERG, HOLM, BONFERRONI, NONE;

  /** The JSON name, e.g. {@code benjamini_hochberg}. */
  @JsonValue
  public String wire() {
    return WireName.of(this);
  }

  /** Reads a JSON name; an unknown one is a field error listing the allowed names. */
  @JsonCreator
  public static Correction of(String wire) {
    return WireName.parse(values(), wire);
  }
}
