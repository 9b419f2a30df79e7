package dev.assay.server.domain.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The type of a flag's values; written in lower case in JSON. */
public enum FlagType {
  BOOLEAN, STRING, NUMBER, JSON;

  /** The JSON name, e.g. {@code boolean}. */
  @JsonValue
  public String wire() {
    return WireName.of(this);
  }

  /** Whether a JSON value is of this type (a json flag takes any value but null). */
  public boolean accepts(com.fasterxml.jackson.databind.JsonNode value) {
    return switch (this) {
      case BOOLEAN -> value.isBoolean();
      case STRING -> value.isTextual();
      case NUMBER -> value.isNumber();
      case JSON -> !value.isNull();
    };
  }

  /** Throws a field error unless {@code value} is of this type. */
  public void check(String field, com.fasterxml.jackson.databind.JsonNode value) {
    if (!accepts(value)) {
      throw dev.assay.server.domain.DomainException.invalid(field, "must be a " + wire() + " value for a " + wire() + " flag");
    }
  }

  /** Reads a JSON name; an unknown one is a field error listing the allowed names. */
  @JsonCreator
  public static FlagType of(String wire) {
    return WireName.parse(values(), wire);
  }
}
