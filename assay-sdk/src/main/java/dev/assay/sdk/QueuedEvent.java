package dev.assay.sdk;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One event waiting in an {@link EventLogger}'s queue: what the caller's thread captured, nothing
 * more (the id, JSON and compression are the sender thread's work). Immutable.
 */
final class QueuedEvent {
  final boolean exposure;
  final long timestampMillis;
  final String unitId;
  /** The metric event's name, or the exposure's experiment key. */
  final String name;
  /** Exposure only: the hash attribute that identified the unit. */
  final @Nullable String hashAttribute;
  /** Exposure only: the variation's index. */
  final int variationId;
  /** Exposure only: the variation's key and the feature that ran the experiment. */
  final @Nullable String variationKey;
  final @Nullable String featureId;
  /** Metric only: the value, NaN when absent. */
  final double value;
  /** Metric only: the properties (a private copy). */
  final Map<String, ?> properties;
  /** Exposure of a cluster randomization only: the cluster's id, the hash attribute's value (ADR 0039). */
  final @Nullable String cluster;

  private QueuedEvent(boolean exposure, long timestampMillis, String unitId, String name,
      @Nullable String hashAttribute, int variationId, @Nullable String variationKey, @Nullable String featureId,
      double value, Map<String, ?> properties, @Nullable String cluster) {
    this.exposure = exposure;
    this.timestampMillis = timestampMillis;
    this.unitId = unitId;
    this.name = name;
    this.hashAttribute = hashAttribute;
    this.variationId = variationId;
    this.variationKey = variationKey;
    this.featureId = featureId;
    this.value = value;
    this.properties = properties;
    this.cluster = cluster;
  }

  static QueuedEvent exposure(long timestampMillis, String unitId, String hashAttribute, String experimentKey,
      int variationId, String variationKey, @Nullable String featureId, @Nullable String cluster) {
    return new QueuedEvent(true, timestampMillis, unitId, experimentKey, hashAttribute, variationId, variationKey,
        featureId, Double.NaN, Map.of(), cluster);
  }

  static QueuedEvent metric(long timestampMillis, String unitId, String name, double value,
      Map<String, ?> properties) {
    return new QueuedEvent(false, timestampMillis, unitId, name, null, -1, null, null, value, properties, null);
  }
}
