package dev.assay.server.api;

import dev.assay.server.telemetry.Telemetry;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerRequestHeaders;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Starts a server span for every HTTP request (SSE streams excepted, as in {@link RouteMetrics}),
 * named {@code "METHOD /route/{template}"} with the semantic-convention attributes
 * {@code http.request.method}, {@code http.route} and {@code http.response.status_code}, status
 * ERROR on a 5xx. A valid W3C {@code traceparent} (and {@code tracestate}) makes it the child of
 * the caller's span; an invalid one is ignored and a new trace starts. The span is current while
 * the route runs, so the spans of the work it does (payload compilation, event commits) and its
 * log lines carry its trace. No {@code traceresponse} is sent (ADR 0041).
 *
 * <p>With tracing off no span is started: a caller's valid {@code traceparent} still becomes the
 * current context (log lines and Kafka records carry it on), and a request without one costs a
 * header lookup.
 */
final class RouteTracing implements Filter {
  static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
  static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");

  /* Reads the propagation headers from Helidon's request headers. */
  private static final TextMapGetter<ServerRequestHeaders> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(ServerRequestHeaders headers) {
      List<String> names = new ArrayList<>();
      for (Header h : headers) {
        names.add(h.name());
      }
      return names;
    }

    @Override
    public String get(ServerRequestHeaders headers, String key) {
      return headers == null ? null : headers.first(HeaderNames.create(key)).orElse(null);
    }
  };

  private static final io.helidon.http.HeaderName TRACEPARENT = HeaderNames.create("traceparent");

  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final boolean enabled;
  private final UnaryOperator<String> routes;

  /** @param routes the route template of a concrete path ({@link RouteMetrics#route}) */
  RouteTracing(Telemetry telemetry, UnaryOperator<String> routes) {
    this.tracer = telemetry.tracer();
    this.propagator = telemetry.propagator();
    this.enabled = telemetry.enabled();
    this.routes = routes;
  }

  @Override
  public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
    String path = req.path().path();
    if (path.startsWith("/sub/")) {
      chain.proceed();
      return;
    }
    if (!enabled) {
      passThrough(chain, req);
      return;
    }
    String method = RouteMetrics.method(req.prologue().method().text());
    String route = routes.apply(path);
    Context parent = propagator.extract(Context.root(), req.headers(), HEADERS);
    Span span = tracer.spanBuilder(method + " " + route).setParent(parent).setSpanKind(SpanKind.SERVER)
        .setAttribute(METHOD, method).setAttribute(ROUTE, route).startSpan();
    try (Scope ignored = span.makeCurrent()) {
      chain.proceed();
    } catch (RuntimeException | Error e) {
      span.recordException(e);
      throw e;
    } finally {
      int status = res.status().code();
      span.setAttribute(STATUS, (long) status);
      if (status >= 500) {
        span.setStatus(StatusCode.ERROR);
      }
      span.end();
    }
  }

  /* Tracing off: a caller's trace context still becomes current, for log lines and Kafka headers. */
  private void passThrough(FilterChain chain, RoutingRequest req) {
    if (!req.headers().contains(TRACEPARENT)) {
      chain.proceed();
      return;
    }
    try (Scope ignored = propagator.extract(Context.root(), req.headers(), HEADERS).makeCurrent()) {
      chain.proceed();
    }
  }
}
