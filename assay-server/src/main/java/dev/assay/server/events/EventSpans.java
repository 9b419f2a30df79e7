package dev.assay.server.events;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The spans of the event pipeline (ADR 0041) and the W3C trace context in Kafka record headers.
 * A span that serves several requests (a group commit, a poll of many records) is the child of
 * the first one's context and links to the others, at most {@value #MAX_LINKS}.
 */
final class EventSpans {
  /** Events in a commit or a consumed poll. */
  static final AttributeKey<Long> BATCH_SIZE = AttributeKey.longKey("assay.events.batch_size");
  /** Requests (ingestion calls) a group commit took. */
  static final AttributeKey<Long> REQUESTS = AttributeKey.longKey("assay.events.requests");
  /** Events of a commit that were new (the others were re-sent duplicates). */
  static final AttributeKey<Long> ACCEPTED = AttributeKey.longKey("assay.events.accepted");
  static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
  static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
  static final AttributeKey<Long> RECORDS = AttributeKey.longKey("messaging.batch.message_count");
  static final int MAX_LINKS = 64;

  /** Writes {@code traceparent}/{@code tracestate} as record headers (UTF-8). */
  static final TextMapSetter<Headers> HEADER_SETTER = (headers, key, value) -> {
    if (headers != null) {
      headers.remove(key);
      headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    }
  };

  /** Reads them back. */
  static final TextMapGetter<Headers> HEADER_GETTER = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Headers headers) {
      List<String> keys = new ArrayList<>();
      for (Header h : headers) {
        keys.add(h.key());
      }
      return keys;
    }

    @Override
    public String get(Headers headers, String key) {
      if (headers == null) {
        return null;
      }
      Header h = headers.lastHeader(key);
      return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
  };

  private EventSpans() {}

  /** {@code assay.events commit}: one group commit of {@code events} events from these requests. */
  static Span commit(Tracer tracer, List<Context> requests, int events) {
    return linked(tracer.spanBuilder("assay.events commit").setSpanKind(SpanKind.INTERNAL), requests)
        .setAttribute(BATCH_SIZE, (long) events).setAttribute(REQUESTS, (long) requests.size()).startSpan();
  }

  /** Parent: the first context with a valid span (else a new trace); links: the next ones. */
  static SpanBuilder linked(SpanBuilder builder, List<Context> contexts) {
    boolean parented = false;
    int links = 0;
    for (Context c : contexts) {
      SpanContext sc = Span.fromContext(c).getSpanContext();
      if (!sc.isValid()) {
        continue;
      }
      if (!parented) {
        builder.setParent(c);
        parented = true;
      } else if (links++ < MAX_LINKS) {
        builder.addLink(sc);
      } else {
        break;
      }
    }
    if (!parented) {
      builder.setNoParent();
    }
    return builder;
  }
}
