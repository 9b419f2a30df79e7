package dev.assay.server.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Scope;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

/** One JSON object per line, with the trace of the logging thread; and the tracing options' checks. */
class JsonLogFormatterTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final JsonLogFormatter formatter = new JsonLogFormatter();

  @Test
  void format_insideASpan_carriesItsIdsAndFillsParameters() throws Exception {
    SpanContext context = SpanContext.create("5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174",
        TraceFlags.getSampled(), TraceState.getDefault());
    LogRecord r = new LogRecord(Level.INFO, "seeded {0} events in {1} ms");
    r.setParameters(new Object[] {"12", "3"});
    r.setLoggerName("dev.assay.server.AssayServer");
    r.setInstant(Instant.parse("2026-12-03T10:15:30.123Z"));
    String line;
    try (Scope ignored = Span.wrap(context).makeCurrent()) {
      line = formatter.format(r);
    }

    assertThat(line).endsWith(System.lineSeparator()).doesNotContain("\n" + "{");
    assertThat(line.strip().lines()).hasSize(1);
    JsonNode o = JSON.readTree(line);
    assertThat(o.path("timestamp").asText()).isEqualTo("2026-12-03T10:15:30.123Z");
    assertThat(o.path("level").asText()).isEqualTo("INFO");
    assertThat(o.path("logger").asText()).isEqualTo("dev.assay.server.AssayServer");
    assertThat(o.path("message").asText()).isEqualTo("seeded 12 events in 3 ms");
    assertThat(o.path("trace_id").asText()).isEqualTo("5b8efff798038103d269b633813fc60c");
    assertThat(o.path("span_id").asText()).isEqualTo("eee19b7ec3c1b174");
    assertThat(o.has("exception")).isFalse();
  }

  @Test
  void format_outsideASpan_noIds_exceptionWithStackTrace_specialCharactersEscaped() throws Exception {
    LogRecord r = new LogRecord(Level.SEVERE, "line one\nline \"two\" \u0001");
    r.setLoggerName("dev.assay.server.api.HttpApi");
    r.setThrown(new IllegalStateException("boom"));
    String line = formatter.format(r);

    assertThat(line.strip().lines()).as("a multi-line message stays on one line").hasSize(1);
    JsonNode o = JSON.readTree(line);
    assertThat(o.has("trace_id")).isFalse();
    assertThat(o.has("span_id")).isFalse();
    assertThat(o.path("message").asText()).isEqualTo("line one\nline \"two\" \u0001");
    assertThat(o.path("level").asText()).isEqualTo("SEVERE");
    assertThat(o.path("exception").asText()).startsWith("java.lang.IllegalStateException: boom")
        .contains("at dev.assay.server.telemetry.JsonLogFormatterTest");
  }

  @Test
  void tracingOptions_endpointFromEnvironment_assayVariableWins_blankIsUnset() {
    assertThat(TracingOptions.endpointFromEnvironment(Map.of("ASSAY_OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4318",
        "OTEL_EXPORTER_OTLP_ENDPOINT", "http://b:4318"))).contains("http://a:4318");
    assertThat(TracingOptions.endpointFromEnvironment(Map.of("ASSAY_OTEL_EXPORTER_OTLP_ENDPOINT", " ",
        "OTEL_EXPORTER_OTLP_ENDPOINT", "http://b:4318"))).contains("http://b:4318");
    assertThat(TracingOptions.endpointFromEnvironment(Map.of())).isEmpty();
    assertThat(TracingOptions.tracesUrl(URI.create("http://collector:4318/"))).hasToString("http://collector:4318/v1/traces");
    assertThat(TracingOptions.tracesUrl(URI.create("https://c.example/otlp"))).hasToString("https://c.example/otlp/v1/traces");
  }

  @Test
  void tracingOptions_badEndpoint_refusedNamingTheProblem() {
    assertThatThrownBy(() -> TracingOptions.OFF.withOtlpEndpoint(URI.create("grpc://collector:4317")))
        .hasMessageContaining("http or https");
    assertThatThrownBy(() -> TracingOptions.OFF.withOtlpEndpoint(URI.create("http://collector:4318?x=1")))
        .hasMessageContaining("query");
    assertThat(TracingOptions.OFF.enabled()).isFalse();
    assertThat(Telemetry.off().enabled()).isFalse();
    assertThat(Telemetry.start(TracingOptions.OFF).tracer().spanBuilder("x").startSpan().getSpanContext().isValid())
        .as("off: the no-op tracer").isFalse();
  }
}
