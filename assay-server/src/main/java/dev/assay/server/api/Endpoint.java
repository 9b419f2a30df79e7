package dev.assay.server.api;

import dev.assay.server.auth.Permission;
import java.util.Objects;

/**
 * One management API endpoint: method, path template under {@code /api/v1}, the permission it
 * requires, whether it reads a JSON body, and its handler. The table of endpoints drives routing,
 * the OpenAPI document and the permission sweep test.
 */
record Endpoint(String method, String path, Permission permission, BodyMode body, String summary,
    Handler handler) {
  enum BodyMode { NONE, REQUIRED, OPTIONAL }

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

  static Endpoint put(String path, Permission p, String summary, Handler h) {
    return new Endpoint("PUT", path, p, BodyMode.REQUIRED, summary, h);
  }

  static Endpoint delete(String path, Permission p, String summary, Handler h) {
    return new Endpoint("DELETE", path, p, BodyMode.NONE, summary, h);
  }
}
