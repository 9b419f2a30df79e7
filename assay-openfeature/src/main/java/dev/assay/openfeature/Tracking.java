package dev.assay.openfeature;

import dev.assay.sdk.Attributes;
import dev.assay.sdk.EventLogger;
import dev.openfeature.sdk.EvaluationContext;
import dev.openfeature.sdk.TrackingEventDetails;
import java.util.Collections;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/** {@link AssayProvider#track}: an OpenFeature tracking call to the SDK's event logger and a listener. */
final class Tracking {

  private static final Logger LOG = Logger.getLogger(Tracking.class.getName());

  private Tracking() {}

  /**
   * Forwards an OpenFeature tracking call to the SDK's {@link EventLogger} (when there is one) and
   * to the {@link TrackingListener}. Never blocks and never throws: an event the logger cannot take
   * (no unit id in the context, a full queue) is dropped and counted in its stats.
   */
  static void forward(String eventName, EvaluationContext context, @Nullable TrackingEventDetails details,
      @Nullable EventLogger logger, TrackingListener tracking) {
    OptionalDouble value = OptionalDouble.empty();
    Map<String, Object> fields = Map.of();
    Attributes attributes;
    try {
      if (details != null) {
        value = details.getValue().map(n -> OptionalDouble.of(n.doubleValue())).orElse(OptionalDouble.empty());
        fields = Collections.unmodifiableMap(Values.toJava(details));
      }
      attributes = Values.attributes(context);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "cannot read the OpenFeature tracking event '" + eventName + "'", e);
      return;
    }
    if (logger != null) {
      String unitId = attributes.value("id").map(String::valueOf).orElse("");
      boolean queued = value.isPresent()
          ? logger.track(eventName, unitId, value.getAsDouble(), fields)
          : logger.track(eventName, unitId, fields);
      if (!queued) {
        LOG.log(Level.FINE, () -> "Assay event logger dropped tracking event '" + eventName + "'"
            + (unitId.isEmpty() ? ": the evaluation context has no targeting key" : ""));
      }
    }
    try {
      tracking.onTrack(eventName, attributes, value, fields);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "the Assay tracking listener failed for event '" + eventName + "'", e);
    }
  }
}
