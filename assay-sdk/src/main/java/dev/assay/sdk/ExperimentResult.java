package dev.assay.sdk;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of running an experiment for one unit: which variation it got, whether it is in
 * the experiment (and so should be counted), and how it was assigned. Immutable.
 */
public final class ExperimentResult {

  private final String key;
  private final int variationId;
  private final @Nullable Object value;
  private final boolean inExperiment;
  private final boolean hashUsed;
  private final String hashAttribute;
  private final String hashValue;
  private final double bucket;
  private final @Nullable String featureId;
  private final boolean stickyBucketUsed;
  private final @Nullable String name;
  private final boolean passthrough;
  /** The analysis unit's id when the experiment randomizes clusters of them (ADR 0039), else null. */
  final @Nullable String unitValue;

  ExperimentResult(
      String key,
      int variationId,
      @Nullable Object value,
      boolean inExperiment,
      boolean hashUsed,
      String hashAttribute,
      String hashValue,
      double bucket,
      @Nullable String featureId,
      boolean stickyBucketUsed,
      @Nullable String name,
      boolean passthrough) {
    this.key = key;
    this.variationId = variationId;
    this.value = value;
    this.inExperiment = inExperiment;
    this.hashUsed = hashUsed;
    this.hashAttribute = hashAttribute;
    this.hashValue = hashValue;
    this.bucket = bucket;
    this.featureId = featureId;
    this.stickyBucketUsed = stickyBucketUsed;
    this.name = name;
    this.passthrough = passthrough;
    this.unitValue = null;
  }

  private ExperimentResult(ExperimentResult r, String unitValue) {
    this.key = r.key;
    this.variationId = r.variationId;
    this.value = r.value;
    this.inExperiment = r.inExperiment;
    this.hashUsed = r.hashUsed;
    this.hashAttribute = r.hashAttribute;
    this.hashValue = r.hashValue;
    this.bucket = r.bucket;
    this.featureId = r.featureId;
    this.stickyBucketUsed = r.stickyBucketUsed;
    this.name = r.name;
    this.passthrough = r.passthrough;
    this.unitValue = unitValue;
  }

  /** This result, with the id of the analysis unit inside the randomized cluster (null: this result). */
  ExperimentResult withUnit(@Nullable String unit) {
    return unit == null ? this : new ExperimentResult(this, unit);
  }

  /** The variation's key: its {@code meta} key, or its index as a string. */
  public String key() {
    return key;
  }

  /** The variation's index; 0 (control) when the unit is not in the experiment. */
  public int variationId() {
    return variationId;
  }

  /** The variation's value, empty when it is JSON null. */
  public Optional<Object> value() {
    return Optional.ofNullable(value);
  }

  @Nullable Object rawValue() {
    return value;
  }

  /** Whether the unit is in the experiment (and its exposure should be counted). */
  public boolean inExperiment() {
    return inExperiment;
  }

  /** Whether the assignment came from hashing the unit (not forced or excluded first). */
  public boolean hashUsed() {
    return hashUsed;
  }

  public String hashAttribute() {
    return hashAttribute;
  }

  /** The unit's value of the hash attribute; empty string when it had none. */
  public String hashValue() {
    return hashValue;
  }

  /** The unit's hash in [0, 1), when hashing decided the variation. */
  public OptionalDouble bucket() {
    return Double.isNaN(bucket) ? OptionalDouble.empty() : OptionalDouble.of(bucket);
  }

  /** The feature whose rule ran this experiment, when it came from a feature. */
  public Optional<String> featureId() {
    return Optional.ofNullable(featureId);
  }

  @Nullable String rawFeatureId() {
    return featureId;
  }

  public boolean stickyBucketUsed() {
    return stickyBucketUsed;
  }

  /** The variation's display name from {@code meta}, when it has one. */
  public Optional<String> name() {
    return Optional.ofNullable(name);
  }

  /** Whether the variation is a passthrough: counted, but the feature falls through to later rules. */
  public boolean passthrough() {
    return passthrough;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExperimentResult r
        && key.equals(r.key)
        && variationId == r.variationId
        && Objects.equals(value, r.value)
        && inExperiment == r.inExperiment
        && hashUsed == r.hashUsed
        && hashAttribute.equals(r.hashAttribute)
        && hashValue.equals(r.hashValue)
        && Double.compare(bucket, r.bucket) == 0
        && Objects.equals(featureId, r.featureId)
        && stickyBucketUsed == r.stickyBucketUsed
        && Objects.equals(name, r.name)
        && passthrough == r.passthrough;
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, variationId, inExperiment, hashAttribute, hashValue, featureId);
  }

  @Override
  public String toString() {
    return "ExperimentResult{key=" + key + ", variationId=" + variationId + ", value=" + Json.write(value)
        + ", inExperiment=" + inExperiment + ", hashUsed=" + hashUsed + ", hashAttribute=" + hashAttribute
        + ", hashValue=" + hashValue + (Double.isNaN(bucket) ? "" : ", bucket=" + bucket)
        + (featureId == null ? "" : ", featureId=" + featureId) + ", stickyBucketUsed=" + stickyBucketUsed + "}";
  }
}
