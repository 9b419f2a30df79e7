package dev.assay.server.api;

import io.helidon.http.Method;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The path every SDK-facing route answers through (the payload, server-sent events, OFREP, event
 * ingestion): the handler returns a {@link Reply}; domain and store failures become the error
 * body of {@link ApiErrors}; an unexpected failure is logged and answered with the route's own
 * reply for it (never a stack trace); and every answer carries the one CORS policy, because
 * browsers call these routes from other origins. Each path also answers the CORS preflight
 * ({@code OPTIONS}) with the methods routed on it. Used during routing set-up (one thread).
 */
final class SdkEdge {
  private static final Logger LOG = Logger.getLogger(SdkEdge.class.getName());
  /** Request headers browsers may send: credentials, conditional requests, SSE resumption, gzip. */
  static final String ALLOWED_HEADERS =
      "Content-Type, Content-Encoding, Authorization, X-API-Key, X-Assay-Client-Key, If-None-Match, Last-Event-ID";
  /** Response headers browsers may read. */
  static final String EXPOSED_HEADERS = "ETag, Retry-After, x-sse-support";

  /** A route's work: the reply to send. */
  @FunctionalInterface
  interface Handler {
    Reply handle(ServerRequest req);
  }

  private final Routes routes;
  private final Map<String, Set<String>> methods = new LinkedHashMap<>();

  SdkEdge(Routes routes) {
    this.routes = routes;
  }

  /**
   * Registers a route; {@code unexpected} is the answer to a failure nobody foresaw (a 5xx in the
   * route's own error shape). The path's preflight is registered with its first route.
   */
  void route(Method method, String path, Handler handler, Reply unexpected) {
    boolean first = !methods.containsKey(path);
    Set<String> allowed = methods.computeIfAbsent(path, p -> new LinkedHashSet<>());
    allowed.add(method.text());
    allowed.add("OPTIONS");
    routes.route(method, path, (req, res) -> send(res, answer(handler, req, unexpected, method, path)));
    if (first) {
      routes.options(path, (req, res) -> send(res, Reply.noContent()
          .withHeader("Access-Control-Allow-Methods", String.join(", ", allowed))
          .withHeader("Access-Control-Allow-Headers", ALLOWED_HEADERS)
          .withHeader("Access-Control-Max-Age", "86400")));
    }
  }

  /** The methods routed on {@code path}, OPTIONS included, as for an {@code Allow} header. */
  String allowed(String path) {
    return String.join(", ", methods.getOrDefault(path, Set.of()));
  }

  private static Reply answer(Handler handler, ServerRequest req, Reply unexpected, Method method, String path) {
    try {
      return handler.handle(req);
    } catch (RuntimeException e) {
      return ApiErrors.translate(e).orElseGet(() -> {
        LOG.log(Level.SEVERE, "unexpected failure in " + method.text() + " " + path, e);
        return unexpected;
      });
    }
  }

  /** Sends a reply with the CORS policy of the SDK routes (any origin, no cookies). */
  static void send(ServerResponse res, Reply reply) {
    Reply withCors = reply.withHeader("Access-Control-Allow-Origin", "*")
        .withHeader("Access-Control-Expose-Headers", EXPOSED_HEADERS);
    try {
      withCors.writeTo(res);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException | RuntimeException e) {
      // The client went away (a write failed) or the server is stopping.
      LOG.log(Level.FINE, "reply not completed", e);
    }
  }
}
