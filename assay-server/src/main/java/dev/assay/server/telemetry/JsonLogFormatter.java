package dev.assay.server.telemetry;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * A java.util.logging formatter writing one JSON object per line (ADR 0041):
 * {@code timestamp} (ISO-8601 UTC), {@code level} (the JUL name: SEVERE, WARNING, INFO, ...),
 * {@code logger}, {@code message} (parameters filled in, as {@link Formatter#formatMessage} does),
 * {@code thread}, {@code trace_id} and {@code span_id} (of the span current where the record was
 * logged, omitted when there is none) and {@code exception} (class, message and stack trace, when
 * the record has one). Thread-safe and stateless.
 *
 * <p>The ids come from the OpenTelemetry context of the logging thread, so they are right for
 * handlers that format as they publish (the {@link java.util.logging.ConsoleHandler} and
 * {@link java.util.logging.StreamHandler} do); an asynchronous handler would have to capture them.
 */
public final class JsonLogFormatter extends Formatter {
  private static final JsonFactory JSON = new JsonFactory();

  @Override
  public String format(LogRecord r) {
    StringWriter out = new StringWriter(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("timestamp", r.getInstant().toString());
      g.writeStringField("level", r.getLevel().getName());
      g.writeStringField("logger", r.getLoggerName() == null ? "" : r.getLoggerName());
      g.writeStringField("message", formatMessage(r));
      g.writeStringField("thread", Thread.currentThread().getName());
      SpanContext span = Span.current().getSpanContext();
      if (span.isValid()) {
        g.writeStringField("trace_id", span.getTraceId());
        g.writeStringField("span_id", span.getSpanId());
      }
      if (r.getThrown() != null) {
        StringWriter trace = new StringWriter();
        r.getThrown().printStackTrace(new PrintWriter(trace));
        g.writeStringField("exception", trace.toString());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.append(System.lineSeparator()).toString();
  }

  /** Sets this formatter on every handler of the root logger (the CLI's {@code --log-format json}). */
  public static void install() {
    Logger root = Logger.getLogger("");
    JsonLogFormatter formatter = new JsonLogFormatter();
    for (Handler h : root.getHandlers()) {
      h.setFormatter(formatter);
    }
  }
}
