package dev.assay.server.api;

import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Times every HTTP request into the Prometheus timer {@code assay.http.requests} (exported as
 * {@code assay_http_requests_seconds_bucket/_count/_sum}), tagged with the method, the route
 * <em>template</em> (such as {@code /api/features/{clientKey}}, so client keys and flag keys never
 * become label values), the status and an {@code outcome} (success, redirection, client_error,
 * server_error). Requests to no known route are tagged {@code route="unmatched"}, unusual methods
 * {@code method="OTHER"}, so the label values stay a small fixed set. Server-sent event
 * streams ({@code /sub/...}) are long-lived and not timed; see the {@code assay_sse_*} meters.
 */
final class RouteMetrics implements Filter {
  static final String UNMATCHED = "unmatched";
  private static final Pattern PARAM = Pattern.compile("\\{[a-zA-Z]+}");

  private record Route(String template, Pattern pattern) {}

  private final MeterRegistry meters;
  private final List<Route> routes;
  /* Exact bucket bounds for latency objectives (deploy/prometheus/alerts.yml uses le="0.25"). */
  private static final java.time.Duration[] LATENCY_OBJECTIVES = {
      java.time.Duration.ofMillis(100), java.time.Duration.ofMillis(250), java.time.Duration.ofSeconds(1)};

  /* Timers by "method route status": the hot path looks one up instead of building a meter id. */
  private final java.util.concurrent.ConcurrentHashMap<String, Timer> timers =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** @param templates full path templates, e.g. {@code /api/v1/flags/{key}} */
  RouteMetrics(MeterRegistry meters, List<String> templates) {
    this.meters = meters;
    List<Route> rs = new ArrayList<>();
    for (String t : templates.stream().distinct().toList()) {
      rs.add(new Route(t, Pattern.compile(PARAM.matcher(Pattern.quote(t)).replaceAll("\\\\E[^/]+\\\\Q"))));
    }
    /* Literal segments win over parameters: /audit/verify before /audit/{id}. */
    rs.sort(Comparator.comparingLong((Route r) -> r.template().chars().filter(c -> c == '{').count()));
    this.routes = List.copyOf(rs);
  }

  /* Paths seen, with their template (bounded: paths carry keys; past the bound, paths are matched each time). */
  private static final int KNOWN_PATHS = 4096;
  private final java.util.concurrent.ConcurrentHashMap<String, String> known = new java.util.concurrent.ConcurrentHashMap<>();

  /** The route template a concrete path belongs to, or {@link #UNMATCHED}. Thread-safe. */
  String route(String path) {
    String template = known.get(path);
    if (template != null) {
      return template;
    }
    template = UNMATCHED;
    for (Route r : routes) {
      if (r.pattern().matcher(path).matches()) {
        template = r.template();
        break;
      }
    }
    if (known.size() < KNOWN_PATHS) {
      known.putIfAbsent(path, template);
    }
    return template;
  }

  @Override
  public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
    String path = req.path().path();
    if (path.startsWith("/sub/")) {
      chain.proceed();
      return;
    }
    Timer.Sample sample = Timer.start(meters);
    try {
      chain.proceed();
    } finally {
      int status = res.status().code();
      String method = method(req.prologue().method().text());
      String route = route(path);
      sample.stop(timers.computeIfAbsent(method + " " + route + " " + status, k -> timer(method, route, status)));
    }
  }

  private Timer timer(String method, String route, int status) {
    return Timer.builder("assay.http.requests")
        .description("HTTP requests by route template, method and status")
        .tag("method", method)
        .tag("route", route)
        .tag("status", String.valueOf(status))
        .tag("outcome", outcome(status))
        .publishPercentileHistogram()
        .serviceLevelObjectives(LATENCY_OBJECTIVES)
        .register(meters);
  }

  /* Any other token a client sends as a method is "OTHER": labels stay a small, fixed set. */
  static String method(String m) {
    return switch (m) {
      case "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS" -> m;
      default -> "OTHER";
    };
  }

  private static String outcome(int status) {
    if (status >= 500) {
      return "server_error";
    }
    if (status >= 400) {
      return "client_error";
    }
    return status >= 300 ? "redirection" : "success";
  }
}
