package dev.assay.server.api;

import dev.assay.server.delivery.CompiledPayload;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.ServerRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The SDK endpoint {@code GET /api/features/{clientKey}}: the connection's precompiled payload
 * bytes with a strong ETag; {@code If-None-Match} answers 304. Client keys are public, so the key in
 * the path is the credential ({@link Credentials#clientKey}); the payload is never rebuilt per request.
 */
final class FeaturesApi {
  static final String PATH = "/api/features/{clientKey}";
  /** Browsers and CDNs may reuse a payload briefly and must revalidate after. */
  static final String CACHE_CONTROL = "public, max-age=0, s-maxage=5, stale-while-revalidate=30, stale-if-error=86400";

  private final Credentials credentials;
  private final Counter served;
  private final Counter notModified;

  FeaturesApi(Credentials credentials, MeterRegistry meters) {
    this.credentials = credentials;
    this.served = Counter.builder("assay.sdk.payload.requests").tag("status", "200").register(meters);
    this.notModified = Counter.builder("assay.sdk.payload.requests").tag("status", "304").register(meters);
  }

  void routing(SdkEdge edge) {
    edge.route(Method.GET, PATH, this::payload, ApiErrors.internal());
  }

  private Reply payload(ServerRequest req) {
    String key = req.path().pathParameters().get("clientKey");
    Optional<Credentials.Connection> connection = credentials.clientKey(key);
    if (connection.isEmpty()) {
      return unknownClientKey(key);
    }
    CompiledPayload payload = connection.get().payload();
    // GrowthBook SDKs (and AssayClient) switch to /sub/{clientKey} when they see x-sse-support.
    Map<String, String> headers = Map.of("ETag", payload.etag(), "x-sse-support", "enabled",
        "Cache-Control", CACHE_CONTROL, "Vary", "Accept-Encoding");
    if (matches(req.headers().first(HeaderNames.IF_NONE_MATCH), payload.etag())) {
      notModified.increment();
      return new Reply(304, "application/json", new byte[0], headers, Optional.empty());
    }
    served.increment();
    return new Reply(200, "application/json", payload.json(), headers, Optional.empty());
  }

  /** The 404 of a client key no SDK connection has (the key shortened to 100 characters). */
  static Reply unknownClientKey(String key) {
    return ApiErrors.error(404, "unknown_client_key", "no SDK connection with client key '"
        + (key.length() > 100 ? key.substring(0, 100) + "…" : key) + "'", List.of());
  }

  /** RFC 9110 §13.1.2: weak comparison, "*" matches any, a list of tags is allowed. */
  static boolean matches(Optional<String> ifNoneMatch, String etag) {
    if (ifNoneMatch.isEmpty()) {
      return false;
    }
    String bare = etag.startsWith("W/") ? etag.substring(2) : etag;
    for (String t : ifNoneMatch.get().split(",")) {
      String tag = t.trim();
      if (tag.equals("*")) {
        return true;
      }
      if (tag.startsWith("W/")) {
        tag = tag.substring(2);
      }
      if (tag.equals(bare)) {
        return true;
      }
    }
    return false;
  }
}
