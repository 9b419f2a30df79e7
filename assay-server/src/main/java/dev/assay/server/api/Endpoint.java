package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.auth.Permission;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One management API endpoint: method, path template under {@code /api/v1}, the permission it
 * requires, whether it reads a JSON body, and its handler. The table of endpoints drives routing,
 * the OpenAPI document and the permission sweep test. The request schema (may be null) and query
 * parameter names only document the endpoint.
 */
record Endpoint(String method, String path, Permission permission, BodyMode body, String summary,
    Handler handler, JsonNode requestSchema, List<String> queryParams) {
  /**
   * NONE: no body; REQUIRED, OPTIONAL: a JSON body of at most {@link HttpApi#MAX_BODY_BYTES};
   * FILES: a required body of configuration files (JSON, or one YAML file), up to
   * {@link HttpApi#MAX_FILES_BYTES}, handed to the handler unparsed.
   */
  enum BodyMode { NONE, REQUIRED, OPTIONAL, FILES }

  @FunctionalInterface
  interface Handler {
    Reply handle(Call call);
  }

  Endpoint {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(permission, "permission");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(summary, "summary");
    Objects.requireNonNull(handler, "handler");
    queryParams = List.copyOf(queryParams);
  }

  Endpoint(String method, String path, Permission permission, BodyMode body, String summary, Handler handler) {
    this(method, path, permission, body, summary, handler, null, List.of());
  }

  /** The same endpoint, documenting the JSON Schema of its request body (OpenAPI). */
  Endpoint withRequestSchema(JsonNode schema) {
    return new Endpoint(method, path, permission, body, summary, handler, schema, queryParams);
  }

  /** The same endpoint, documenting the query parameters it reads (OpenAPI). */
  Endpoint withQuery(String... names) {
    List<String> all = new ArrayList<>(queryParams);
    all.addAll(List.of(names));
    return new Endpoint(method, path, permission, body, summary, handler, requestSchema, all);
  }

  static Endpoint get(String path, Permission p, String summary, Handler h) {
    return new Endpoint("GET", path, p, BodyMode.NONE, summary, h);
  }

  static Endpoint post(String path, Permission p, String summary, Handler h) {
    return new Endpoint("POST", path, p, BodyMode.REQUIRED, summary, h);
  }

  static Endpoint action(String path, Permission p, String summary, Handler h) {
    return new Endpoint("POST", path, p, BodyMode.OPTIONAL, summary, h);
  }

  static Endpoint files(String path, Permission p, String summary, Handler h) {
    return new Endpoint("POST", path, p, BodyMode.FILES, summary, h);
  }

  static Endpoint put(String path, Permission p, String summary, Handler h) {
    return new Endpoint("PUT", path, p, BodyMode.REQUIRED, summary, h);
  }

  static Endpoint patch(String path, Permission p, String summary, Handler h) {
    return new Endpoint("PATCH", path, p, BodyMode.REQUIRED, summary, h);
  }

  static Endpoint delete(String path, Permission p, String summary, Handler h) {
    return new Endpoint("DELETE", path, p, BodyMode.NONE, summary, h);
  }
}
