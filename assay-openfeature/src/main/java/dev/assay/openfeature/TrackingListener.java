package dev.assay.openfeature;

import dev.assay.sdk.Attributes;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Receives the events an application records with OpenFeature's {@code Client.track(...)}.
 *
 * <p>The provider sends tracking calls to the Assay server through the SDK's
 * {@link dev.assay.sdk.EventLogger} when it has one; this listener is for applications that also
 * want them elsewhere (their own event log, analytics). Called on the thread that called
 * {@code track}: keep it fast. An exception thrown here is caught and logged, never thrown into the
 * application.
 */
@FunctionalInterface
public interface TrackingListener {

  /** Ignores every event. */
  TrackingListener NONE = (eventName, attributes, value, details) -> {};

  /**
   * @param eventName the event's name, e.g. {@code "checkout-completed"}
   * @param attributes the unit's attributes, converted from the evaluation context exactly as for
   *     an evaluation (the targeting key becomes {@code id})
   * @param value the event's numeric value, when the caller gave one
   * @param details the event's other fields as plain Java values (strings, numbers, booleans, lists,
   *     maps); empty when there are none
   */
  void onTrack(String eventName, Attributes attributes, OptionalDouble value, Map<String, Object> details);
}
