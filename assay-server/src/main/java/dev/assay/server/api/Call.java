package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.assay.server.auth.Principal;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.Json;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** What a handler sees of a request: caller, path parameters, query parameters and JSON body. */
final class Call {
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  private final Principal principal;
  private final Map<String, String> pathParams;
  private final Map<String, String> query;
  private final JsonNode body;
  private final byte[] raw;
  private final String mediaType;

  /** A call with the request body already parsed ({@link Json#parse}), an empty object when there was none. */
  Call(Principal principal, Map<String, String> pathParams, Map<String, String> query, JsonNode body) {
    this(principal, pathParams, query, body, new byte[0], "application/json");
  }

  /** A call whose body the handler reads itself ({@link Endpoint.BodyMode#FILES}): its bytes and media type. */
  Call(Principal principal, Map<String, String> pathParams, Map<String, String> query, JsonNode body, byte[] raw,
      String mediaType) {
    this.principal = principal;
    this.pathParams = Map.copyOf(pathParams);
    this.query = Map.copyOf(query);
    this.body = body;
    this.raw = raw.clone();
    this.mediaType = mediaType;
  }

  /** The unparsed body (only for {@link Endpoint.BodyMode#FILES}; else empty). */
  byte[] raw() {
    return raw.clone();
  }

  /** The body's media type, lower case without parameters ({@code application/yaml}). */
  String mediaType() {
    return mediaType;
  }

  Principal principal() {
    return principal;
  }

  String actor() {
    return principal.actor();
  }

  String path(String name) {
    return pathParams.get(name);
  }

  Optional<String> query(String name) {
    return Optional.ofNullable(query.get(name));
  }

  /** The {@code project} query parameter, or the default project. */
  String project() {
    String p = query.getOrDefault("project", ConfigService.DEFAULT_PROJECT);
    if (!KEY.matcher(p).matches()) {
      throw DomainException.invalid("project", "is not a valid project key");
    }
    return p;
  }

  boolean flag(String name) {
    String v = query.get(name);
    if (v == null) {
      return false;
    }
    if (!v.equals("true") && !v.equals("false")) {
      throw DomainException.invalid(name, "must be true or false");
    }
    return v.equals("true");
  }

  /** The body as JSON; an empty body is an empty object. */
  JsonNode json() {
    return body;
  }

  /** For actions that take no body fields: the body must be absent or an empty object. */
  void noFields(String action) {
    if (!body.isObject()) {
      throw DomainException.invalid("body", "must be a JSON object");
    }
    body.fieldNames().forEachRemaining(f -> {
      throw DomainException.invalid(f, "unknown field; " + action + " takes no fields");
    });
  }

  /** Parses a request body for a call; an empty body is an empty object. */
  static JsonNode parse(byte[] body) {
    return body.length == 0 ? JsonNodeFactory.instance.objectNode() : Json.parse(body);
  }

  /**
   * The optional {@code reason} query parameter of a write (why it was made, kept in its audit
   * entry and shown in the history): 1 to 500 characters, not blank.
   */
  Optional<String> reason() {
    Optional<String> r = query("reason");
    if (r.isPresent() && (r.get().isBlank() || r.get().length() > KillSwitch.REASON_MAX)) {
      throw DomainException.invalid("reason", "must be 1 to " + KillSwitch.REASON_MAX + " characters, not blank");
    }
    return r.map(String::strip);
  }

  /** An optional positive integer query parameter (or path parameter of that name when present). */
  Optional<Long> positive(String name) {
    String v = pathParams.containsKey(name) ? pathParams.get(name) : query.get(name);
    if (v == null) {
      return Optional.empty();
    }
    try {
      long n = Long.parseLong(v);
      if (n < 1) {
        throw new NumberFormatException();
      }
      return Optional.of(n);
    } catch (NumberFormatException e) {
      throw DomainException.invalid(name, "must be a positive integer, was '" + v + "'");
    }
  }

  /** A required ISO-8601 instant query parameter. */
  java.time.Instant instant(String name) {
    String v = query.get(name);
    if (v == null) {
      throw DomainException.invalid(name, "query parameter is required: an ISO-8601 instant such as"
          + " 2026-01-31T12:00:00Z");
    }
    try {
      return java.time.Instant.parse(v);
    } catch (java.time.format.DateTimeParseException e) {
      throw DomainException.invalid(name, "must be an ISO-8601 instant such as 2026-01-31T12:00:00Z, was '" + v + "'");
    }
  }

  long version() {
    String v = query.get("version");
    if (v == null) {
      throw DomainException.invalid("version", "query parameter is required: the version you read");
    }
    try {
      long n = Long.parseLong(v);
      if (n < 1) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw DomainException.invalid("version", "must be a positive integer");
    }
  }
}
