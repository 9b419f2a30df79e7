package dev.assay.server.telemetry;

import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a server's spans go: nowhere (the default: the no-op tracer, no cost), an OTLP/HTTP
 * collector, or an exporter given in code (tests, benchmarks, an application embedding the server).
 *
 * @param otlpEndpoint the collector's base URL ({@code http://collector:4318}); spans are POSTed to
 *     its {@code /v1/traces}, as the {@code OTEL_EXPORTER_OTLP_ENDPOINT} convention says
 * @param exporter an exporter to use instead of OTLP
 * @param serviceName the {@code service.name} of the spans
 */
public record TracingOptions(Optional<URI> otlpEndpoint, Optional<SpanExporter> exporter, String serviceName) {
  /** Tracing off. */
  public static final TracingOptions OFF = new TracingOptions(Optional.empty(), Optional.empty(), "assay");

  /** The variable Assay reads first for the collector's URL. */
  public static final String ENDPOINT_ENV = "ASSAY_OTEL_EXPORTER_OTLP_ENDPOINT";
  /** The OpenTelemetry standard variable, read when {@link #ENDPOINT_ENV} is not set. */
  public static final String STANDARD_ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT";

  public TracingOptions {
    Objects.requireNonNull(otlpEndpoint, "otlpEndpoint");
    Objects.requireNonNull(exporter, "exporter");
    if (serviceName == null || serviceName.isBlank()) {
      throw new Invalid("serviceName", "must not be empty");
    }
    otlpEndpoint.ifPresent(TracingOptions::check);
  }

  /** A refused option: {@link #field()} is {@code otlpEndpoint} or {@code serviceName}. */
  public static final class Invalid extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String field;
    private final String reason;

    Invalid(String field, String reason) {
      super(field + " " + reason);
      this.field = field;
      this.reason = reason;
    }

    public String field() {
      return field;
    }

    /** The message without the field's name. */
    public String reason() {
      return reason;
    }
  }

  /** The options from a URL as typed (validated), an exporter and a service name. */
  public static TracingOptions of(Optional<String> otlpEndpoint, Optional<SpanExporter> exporter, String serviceName) {
    Optional<URI> endpoint = otlpEndpoint.map(u -> {
      try {
        return new URI(u.strip());
      } catch (java.net.URISyntaxException e) {
        throw new Invalid("otlpEndpoint", "is not a URL: " + e.getMessage());
      }
    });
    return new TracingOptions(endpoint, exporter, serviceName);
  }

  /** Whether spans are recorded and exported. */
  public boolean enabled() {
    return otlpEndpoint.isPresent() || exporter.isPresent();
  }

  /** Exporting to this OTLP/HTTP collector. */
  public TracingOptions withOtlpEndpoint(URI endpoint) {
    return new TracingOptions(Optional.of(endpoint), exporter, serviceName);
  }

  /** Exporting to this exporter (batched, as OTLP is). */
  public TracingOptions withExporter(SpanExporter spanExporter) {
    return new TracingOptions(otlpEndpoint, Optional.of(spanExporter), serviceName);
  }

  /**
   * The collector's URL from the environment: {@value #ENDPOINT_ENV}, else
   * {@value #STANDARD_ENDPOINT_ENV}; empty when neither is set (or both are blank).
   */
  public static Optional<String> endpointFromEnvironment(Map<String, String> env) {
    for (String name : new String[] {ENDPOINT_ENV, STANDARD_ENDPOINT_ENV}) {
      String v = env.get(name);
      if (v != null && !v.isBlank()) {
        return Optional.of(v.strip());
      }
    }
    return Optional.empty();
  }

  /** The URL spans are POSTed to: the base URL's {@code /v1/traces}. */
  public static URI tracesUrl(URI base) {
    String s = base.toString();
    return URI.create((s.endsWith("/") ? s.substring(0, s.length() - 1) : s) + "/v1/traces");
  }

  private static void check(URI u) {
    if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
      throw new Invalid("otlpEndpoint", "must be an http or https URL with a host (http://collector:4318), was '"
          + u + "'");
    }
    if (u.getQuery() != null || u.getFragment() != null) {
      throw new Invalid("otlpEndpoint", "must not have a query or fragment, was '" + u + "'");
    }
  }
}
