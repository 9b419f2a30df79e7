/**
 * Alerts (ADR 0027): webhook channels per project with their subscriptions, an outbox in the
 * config store written when an alert is raised, and a background dispatcher that delivers it
 * at least once, signed, with retries, exponential backoff and a dead-letter list. Raise an alert
 * through {@link dev.assay.server.alerts.Alerts#emit}.
 */
@NullMarked
package dev.assay.server.alerts;

import org.jspecify.annotations.NullMarked;
