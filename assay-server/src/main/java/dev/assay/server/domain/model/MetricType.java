package dev.assay.server.domain.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How a metric aggregates per unit; written in lower case in JSON. */
public enum MetricType {
  PROPORTION, MEAN, SUM, COUNT, RATIO, QUANTILE;

  /** The JSON name, e.g. {@code proportion}. */
  @JsonValue
  public String wire() {
    return WireName.of(this);
  }

  /** Reads a JSON name; an unknown one is a field error listing the allowed names. */
  @JsonCreator
  public static MetricType of(String wire) {
    return WireName.parse(values(), wire);
  }
}
