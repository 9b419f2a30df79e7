package dev.assay.server.domain.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Where a flag is in its life; written in lower case in JSON. */
public enum FlagLifecycle {
  ACTIVE, STALE, ARCHIVED;

  /** The JSON name, e.g. {@code active}. */
  @JsonValue
  public String wire() {
    return WireName.of(this);
  }

  /** Reads a JSON name; an unknown one is a field error listing the allowed names. */
  @JsonCreator
  public static FlagLifecycle of(String wire) {
    return WireName.parse(values(), wire);
  }
}
