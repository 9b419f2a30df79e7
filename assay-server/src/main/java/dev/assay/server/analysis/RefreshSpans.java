package dev.assay.server.analysis;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Scope;
import java.util.function.Supplier;

/**
 * The spans of one refresh's stages (ADR 0041), each a child of the current span (the refresh's):
 * {@code assay.refresh exposures}, {@code assay.refresh metric} (one per metric, attribute
 * {@code assay.metric.key}: its query, or for the metrics computed in one pass the first metric's
 * span holds that pass) and {@code assay.refresh statistics}.
 */
final class RefreshSpans {
  static final AttributeKey<String> PROJECT = AttributeKey.stringKey("assay.project");
  static final AttributeKey<String> EXPERIMENT = AttributeKey.stringKey("assay.experiment.key");
  static final AttributeKey<String> METRIC = AttributeKey.stringKey("assay.metric.key");
  static final RefreshSpans NONE = new RefreshSpans(TracerProvider.noop().get(""));

  private final Tracer tracer;

  RefreshSpans(Tracer tracer) {
    this.tracer = tracer;
  }

  /** Starts the span of a stage; {@code metric} may be null. The caller ends it. */
  Span start(String stage, String metric) {
    var b = tracer.spanBuilder("assay.refresh " + stage);
    if (metric != null) {
      b.setAttribute(METRIC, metric);
    }
    return b.startSpan();
  }

  /** Runs a stage inside its span. */
  <T> T stage(String stage, Supplier<T> work) {
    Span span = start(stage, null);
    try (Scope ignored = span.makeCurrent()) {
      return work.get();
    } catch (RuntimeException | Error e) {
      failed(span, e);
      throw e;
    } finally {
      span.end();
    }
  }

  static void failed(Span span, Throwable e) {
    span.recordException(e);
    span.setStatus(StatusCode.ERROR);
  }
}
