package dev.assay.sdk;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of evaluating a feature for one unit: its value, and why it has that value. Immutable.
 */
public final class FeatureResult {

  /** Why a feature has the value it has. */
  public enum Source {
    /** No feature with that key in the ruleset. */
    UNKNOWN_FEATURE("unknownFeature"),
    /** No rule applied; the feature's default value. */
    DEFAULT_VALUE("defaultValue"),
    /** A force (rollout or targeting) rule applied. */
    FORCE("force"),
    /** An experiment rule assigned a variation. */
    EXPERIMENT("experiment"),
    /** A value forced by the client's configuration. */
    OVERRIDE("override"),
    /** A prerequisite feature (gate) was not met. */
    PREREQUISITE("prerequisite"),
    /** Prerequisites form a cycle. */
    CYCLIC_PREREQUISITE("cyclicPrerequisite"),
    /** Evaluation failed unexpectedly; the default was used. */
    ERROR("error");

    private final String wireName;

    Source(String wireName) {
      this.wireName = wireName;
    }

    /** The name the GrowthBook specification uses, e.g. {@code defaultValue}. */
    public String wireName() {
      return wireName;
    }
  }

  private final String featureKey;
  private final @Nullable Object value;
  private final Source source;
  private final String ruleId;
  private final @Nullable Experiment experiment;
  private final @Nullable ExperimentResult experimentResult;
  private final @Nullable RuntimeException error;

  FeatureResult(
      String featureKey,
      @Nullable Object value,
      Source source,
      String ruleId,
      @Nullable Experiment experiment,
      @Nullable ExperimentResult experimentResult) {
    this(featureKey, value, source, ruleId, experiment, experimentResult, null);
  }

  /** The result of an evaluation that failed: no value, source {@link Source#ERROR}, and the cause. */
  static FeatureResult failed(String featureKey, RuntimeException cause) {
    return new FeatureResult(featureKey, null, Source.ERROR, "", null, null, cause);
  }

  private FeatureResult(
      String featureKey,
      @Nullable Object value,
      Source source,
      String ruleId,
      @Nullable Experiment experiment,
      @Nullable ExperimentResult experimentResult,
      @Nullable RuntimeException error) {
    this.featureKey = featureKey;
    this.value = value;
    this.source = source;
    this.ruleId = ruleId;
    this.experiment = experiment;
    this.experimentResult = experimentResult;
    this.error = error;
  }

  /**
   * Why evaluation failed, when {@link #source()} is {@link Source#ERROR} (a bug or a failing
   * sticky-bucket service, never thrown into the caller); empty otherwise.
   */
  public Optional<RuntimeException> error() {
    return Optional.ofNullable(error);
  }

  public String featureKey() {
    return featureKey;
  }

  /** The value, empty when it is JSON null (as for an unknown feature). */
  public Optional<Object> value() {
    return Optional.ofNullable(value);
  }

  @Nullable Object rawValue() {
    return value;
  }

  /** Whether the value is truthy in the JavaScript sense (GrowthBook's {@code on}). */
  public boolean on() {
    return JsSemantics.truthy(value);
  }

  public boolean off() {
    return !on();
  }

  public Source source() {
    return source;
  }

  /** The id of the rule that decided the value; empty string when none did. */
  public String ruleId() {
    return ruleId;
  }

  /** The experiment that assigned the value, when the source is an experiment. */
  public Optional<Experiment> experiment() {
    return Optional.ofNullable(experiment);
  }

  public Optional<ExperimentResult> experimentResult() {
    return Optional.ofNullable(experimentResult);
  }

  @Override
  public String toString() {
    return "FeatureResult{" + featureKey + "=" + Json.write(value) + ", source=" + source.wireName()
        + ", ruleId=" + ruleId + (experimentResult == null ? "" : ", " + experimentResult) + "}";
  }
}
