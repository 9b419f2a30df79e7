package dev.assay.server.safety;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Scope;
import java.util.function.Function;

/**
 * The spans of the safety jobs (ADR 0041, docs/operations.md "Tracing"): rollout ticks, looks and
 * transitions, circuit-breaker looks and trips, scheduled changes applied. Every one carries the
 * project and the flag or experiment it is about, and {@link #OUTCOME}: what the job decided
 * (a rollout look: {@code advance}, {@code complete}, {@code rollback}, {@code hold}; a transition:
 * {@code applied} or {@code conflict}; a breaker look: {@code pass} or {@code trip}; a trip:
 * {@code recorded}, {@code lost} or {@code error}; a schedule: its status, {@code done} or {@code
 * failed}). A span whose work threw has status error and the exception recorded.
 */
final class SafetySpans {
  static final AttributeKey<String> PROJECT = AttributeKey.stringKey("assay.project");
  static final AttributeKey<String> FLAG = AttributeKey.stringKey("assay.flag.key");
  static final AttributeKey<String> EXPERIMENT = AttributeKey.stringKey("assay.experiment.key");
  static final AttributeKey<String> ENVIRONMENT = AttributeKey.stringKey("assay.environment");
  static final AttributeKey<String> ACTION = AttributeKey.stringKey("assay.action");
  static final AttributeKey<String> ACTOR = AttributeKey.stringKey("assay.actor");
  static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("assay.outcome");
  static final AttributeKey<Long> STEP = AttributeKey.longKey("assay.rollout.step");
  static final AttributeKey<Long> TO_STEP = AttributeKey.longKey("assay.rollout.to_step");
  static final AttributeKey<Double> FRACTION = AttributeKey.doubleKey("assay.rollout.fraction");
  static final AttributeKey<Long> UNITS = AttributeKey.longKey("assay.rollout.units");
  static final AttributeKey<Long> ROLLOUTS = AttributeKey.longKey("assay.rollout.running");
  static final AttributeKey<String> TARGET = AttributeKey.stringKey("assay.breaker.target");
  static final AttributeKey<Long> BREACHES = AttributeKey.longKey("assay.breaker.breaches");
  static final AttributeKey<String> SCHEDULE = AttributeKey.stringKey("assay.schedule.id");
  static final Tracer NONE = TracerProvider.noop().get("");

  private SafetySpans() {}

  /** The attribute naming a target's key: {@link #FLAG} or {@link #EXPERIMENT}. */
  static AttributeKey<String> keyOf(String target) {
    return "flag".equals(target) ? FLAG : EXPERIMENT;
  }

  /** Runs {@code work} inside {@code span} (current meanwhile) and ends it; a failure marks it. */
  static <T> T within(Span span, Function<Span, T> work) {
    try (Scope ignored = span.makeCurrent()) {
      return work.apply(span);
    } catch (RuntimeException | Error e) {
      span.recordException(e);
      span.setStatus(StatusCode.ERROR);
      throw e;
    } finally {
      span.end();
    }
  }
}
