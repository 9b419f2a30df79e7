package dev.assay.server.api;

import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import java.util.ArrayList;
import java.util.List;

/**
 * Registers routes on Helidon's routing and records each method and path template as it goes, so
 * that {@code OpenApiTest} can check that every route the server answers is in the OpenAPI
 * document: a route added without documentation fails that test. Used during routing set-up only
 * (one thread).
 */
final class Routes {
  /** A registered route: {@code GET}, {@code POST}, ..., or {@code ANY} for a method fallback. */
  record Route(String method, String path) {}

  private final HttpRouting.Builder routing;
  private final List<Route> recorded = new ArrayList<>();

  Routes(HttpRouting.Builder routing) {
    this.routing = routing;
  }

  Routes get(String path, Handler handler) {
    return route(Method.GET, path, handler);
  }

  Routes post(String path, Handler handler) {
    return route(Method.POST, path, handler);
  }

  Routes options(String path, Handler handler) {
    return route(Method.OPTIONS, path, handler);
  }

  Routes route(Method method, String path, Handler handler) {
    recorded.add(new Route(method.text(), path));
    routing.route(method, path, handler);
    return this;
  }

  /** A handler for every method not routed above on {@code path} (e.g. a 405 answer). */
  Routes any(String path, Handler handler) {
    recorded.add(new Route("ANY", path));
    routing.any(path, handler);
    return this;
  }

  List<Route> recorded() {
    return List.copyOf(recorded);
  }
}
