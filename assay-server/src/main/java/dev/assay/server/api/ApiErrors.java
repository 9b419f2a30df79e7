package dev.assay.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.DomainException;
import dev.assay.server.store.DuplicateKeyException;
import dev.assay.server.store.EntityNotFoundException;
import dev.assay.server.store.StoreUnavailableException;
import dev.assay.server.store.VersionConflictException;
import java.util.List;
import java.util.Optional;

/**
 * The HTTP edge's one error handler (STYLE habit 8): the error body
 * {@code {"error": {"code", "message", "details": [{"field", "message"}]}}} and the status of each
 * exception the layers below throw. The domain throws {@link DomainException} with a category; the
 * store throws its own exceptions; only here do they become statuses.
 */
final class ApiErrors {
  private ApiErrors() {}

  /** The error reply with this status, code, message and field details. */
  static Reply error(int status, String code, String message, List<DomainException.Detail> details) {
    ObjectNode root = JsonNodeFactory.instance.objectNode();
    root.set("error", body(code, message, details));
    return Reply.json(status, root);
  }

  /** The inside of an error body, for replies that add members of their own (OFREP). */
  static ObjectNode body(String code, String message, List<DomainException.Detail> details) {
    ObjectNode err = JsonNodeFactory.instance.objectNode();
    err.put("code", code);
    err.put("message", message);
    ArrayNode ds = err.putArray("details");
    for (DomainException.Detail d : details) {
      ds.addObject().put("field", d.field()).put("message", d.message());
    }
    return err;
  }

  /** A domain failure: its category decides the status; a busy one says when to retry. */
  static Reply fromDomain(DomainException d) {
    int status = switch (d.category()) {
      case INVALID -> 400;
      case UNPROCESSABLE -> 422;
      case NOT_FOUND -> 404;
      case CONFLICT -> 409;
      case BUSY -> 429;
    };
    Reply reply = error(status, d.code(), d.getMessage(), d.details());
    return d.retryAfterSeconds() > 0 ? reply.withHeader("Retry-After", String.valueOf(d.retryAfterSeconds())) : reply;
  }

  /**
   * The reply for a failure a client can cause or should retry (domain and store exceptions);
   * empty for anything else, which is a bug the caller logs and answers with a generic 500.
   */
  static Optional<Reply> translate(RuntimeException e) {
    if (e instanceof DomainException d) {
      return Optional.of(fromDomain(d));
    }
    if (e instanceof VersionConflictException v) {
      return Optional.of(error(409, "version_conflict", v.getMessage(), List.of()));
    }
    if (e instanceof EntityNotFoundException n) {
      return Optional.of(error(404, "not_found", n.getMessage(), List.of()));
    }
    if (e instanceof DuplicateKeyException d) {
      return Optional.of(error(409, "already_exists", d.getMessage(), List.of()));
    }
    if (e instanceof StoreUnavailableException) {
      return Optional.of(error(503, "store_unavailable", "the configuration store cannot be reached; retry shortly",
          List.of()).withHeader("Retry-After", "5"));
    }
    return Optional.empty();
  }

  /** The answer to an unexpected failure: no detail reaches the client (the caller logs it). */
  static Reply internal() {
    return error(500, "internal_error", "internal error; see the server log", List.of());
  }
}
