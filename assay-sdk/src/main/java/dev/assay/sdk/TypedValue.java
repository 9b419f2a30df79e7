package dev.assay.sdk;

import java.util.Objects;

/**
 * A feature's value as the type the caller asked for, and why the client returned it: the value
 * the ruleset gave ({@link Reason#EVALUATED}), or the caller's default with the reason the
 * ruleset's value could not be used. Returned by {@link ExperimentClient#getBooleanDetails} and its
 * siblings; immutable.
 *
 * @param <T> the requested type
 * @param value the feature's value, or the caller's default when {@link #isDefault()}
 * @param reason why this value was returned
 * @param detail a sentence for logs, e.g. {@code feature 'limit' is a string ("ten"), not a number}
 * @param result the full evaluation (source, rule id, experiment result)
 */
public record TypedValue<T>(T value, Reason reason, String detail, FeatureResult result) {

  /** Why a typed getter returned what it did. */
  public enum Reason {
    /** The ruleset's value, of the requested type. */
    EVALUATED,
    /**
     * No configuration yet (an {@link AssayClient} still loading, or one that could reach neither
     * its server nor a cache and has no bootstrap): the default.
     */
    NOT_READY,
    /** No feature with that key in the ruleset: the default. */
    UNKNOWN_FEATURE,
    /** The feature evaluated to JSON null: the default. */
    NULL_VALUE,
    /** The feature's value is of another type than requested: the default. */
    TYPE_MISMATCH,
    /** Evaluation failed unexpectedly: the default. */
    ERROR
  }

  public TypedValue {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(result, "result");
  }

  /** Whether the caller's default was returned instead of the ruleset's value. */
  public boolean isDefault() {
    return reason != Reason.EVALUATED;
  }
}
