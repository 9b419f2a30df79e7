package dev.assay.openfeature;

import dev.assay.sdk.Attributes;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * Receives the events an application records with OpenFeature's {@code Client.track(...)}.
 *
 * <p>The Assay SDK's own event pipeline (batching, retry, delivery to the server) is not part of the
 * SDK yet; until it is, the provider hands each tracking call to this listener so the application
 * can forward it to its own event log. Called on the thread that called {@code track}; an exception
 * thrown here is caught and logged, never thrown into the application.
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
