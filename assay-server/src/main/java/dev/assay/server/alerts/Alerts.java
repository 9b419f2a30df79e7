package dev.assay.server.alerts;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where the server raises an alert. An implementation records it durably (the outbox) for every
 * channel of the project subscribed to its type and returns without waiting for delivery; it never
 * throws into the caller (a failure to record is logged). Thread-safe.
 */
@FunctionalInterface
public interface Alerts {
  /** Raises nothing. */
  Alerts NONE = (project, type, summary, payload) -> {};

  /**
   * @param project the project the alert is about
   * @param summary one line for humans (the text of a Slack message)
   * @param payload the alert's details (the {@code data} of a JSON delivery)
   */
  void emit(String project, AlertType type, String summary, ObjectNode payload);

  /**
   * Raises an alert unless one with the same {@code onceKey} was raised before (for a condition
   * seen on every refresh once it holds, such as a reached sample). This default raises it always.
   */
  default void emitOnce(String project, AlertType type, String onceKey, String summary, ObjectNode payload) {
    emit(project, type, summary, payload);
  }
}
