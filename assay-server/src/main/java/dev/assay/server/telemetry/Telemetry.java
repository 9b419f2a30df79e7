package dev.assay.server.telemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One server's OpenTelemetry: with tracing off the API's no-op implementation (a span is a shared
 * do-nothing object: no allocation per call, no export), else the SDK with a batch span processor
 * over the configured exporter, sampling every trace whose caller did not decide otherwise
 * (parent-based: a {@code traceparent} with the sampled flag unset is not recorded). The W3C trace
 * context propagator reads and writes {@code traceparent}/{@code tracestate} on HTTP requests and
 * Kafka records.
 *
 * <p>Not global: two servers in one JVM (tests) have their own. Thread-safe. {@link #close()}
 * flushes the spans not yet exported (waiting up to 10 s) and stops the exporter.
 */
public final class Telemetry implements AutoCloseable {
  /** The instrumentation scope of every Assay span. */
  public static final String SCOPE = "dev.assay.server";
  private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");

  private final OpenTelemetry openTelemetry;
  private final Optional<OpenTelemetrySdk> sdk;
  private final Tracer tracer;

  private Telemetry(OpenTelemetry openTelemetry, Optional<OpenTelemetrySdk> sdk) {
    this.openTelemetry = openTelemetry;
    this.sdk = sdk;
    this.tracer = openTelemetry.getTracer(SCOPE);
  }

  /** Tracing off: the no-op tracer, with W3C propagation still available (so ids pass through). */
  public static Telemetry off() {
    return new Telemetry(OpenTelemetry.propagating(ContextPropagators.create(W3CTraceContextPropagator.getInstance())),
        Optional.empty());
  }

  /** The telemetry these options describe; {@link TracingOptions#OFF} is {@link #off()}. */
  public static Telemetry start(TracingOptions options) {
    if (!options.enabled()) {
      return off();
    }
    SpanExporter exporter = options.exporter().orElseGet(() -> OtlpHttpSpanExporter.builder()
        .setEndpoint(TracingOptions.tracesUrl(options.otlpEndpoint().orElseThrow()).toString())
        .setTimeout(Duration.ofSeconds(10)).build());
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(SERVICE_NAME, options.serviceName()))))
        .setSampler(Sampler.parentBased(Sampler.alwaysOn()))
        .addSpanProcessor(BatchSpanProcessor.builder(exporter).setScheduleDelay(Duration.ofMillis(500)).build())
        .build();
    OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(provider)
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
    return new Telemetry(sdk, Optional.of(sdk));
  }

  /** The tracer every Assay span is started with. */
  public Tracer tracer() {
    return tracer;
  }

  /** The W3C trace context propagator ({@code traceparent}, {@code tracestate}). */
  public TextMapPropagator propagator() {
    return openTelemetry.getPropagators().getTextMapPropagator();
  }

  /** Whether spans are recorded (the SDK is in use). */
  public boolean enabled() {
    return sdk.isPresent();
  }

  /** Exports the spans ended so far and waits for the export (tests, shutdown). */
  public void flush() {
    sdk.ifPresent(s -> s.getSdkTracerProvider().forceFlush().join(10, TimeUnit.SECONDS));
  }

  @Override
  public void close() {
    sdk.ifPresent(s -> s.getSdkTracerProvider().shutdown().join(10, TimeUnit.SECONDS));
  }
}
