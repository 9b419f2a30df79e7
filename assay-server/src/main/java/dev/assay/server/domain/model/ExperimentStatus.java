package dev.assay.server.domain.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The lifecycle state of an experiment (draft → running ↔ paused → stopped → concluded → archived); written in lower case in JSON. */
public enum ExperimentStatus {
  DRAFT, RUNNING, PAUSED, STOPPED, CONCLUDED, ARCHIVED;

  /** The JSON name, e.g. {@code draft}. */
  @JsonValue
  public String wire() {
    return WireName.of(this);
  }

  /** Reads a JSON name; an unknown one is a field error listing the allowed names. */
  @JsonCreator
  public static ExperimentStatus of(String wire) {
    return WireName.parse(values(), wire);
  }
}
