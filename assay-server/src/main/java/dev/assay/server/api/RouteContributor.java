package dev.assay.server.api;

import io.helidon.webserver.http.HttpRouting;

/**
 * Routes mounted beside the API by another edge package (the web UI at {@code /}). Each is
 * registered after the API's own routes and before the JSON 404/405 fallback, so it cannot shadow
 * an API route and its unmatched paths still get the JSON error body. Contributors are listed in
 * one place, {@code ServerWiring#routeContributors}.
 */
@FunctionalInterface
public interface RouteContributor {
  /** Registers this contributor's routes (called once, on the starting thread). */
  void register(HttpRouting.Builder routing);
}
