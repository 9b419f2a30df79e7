package dev.assay.server.api;

import dev.assay.server.delivery.CompiledPayload;
import dev.assay.server.delivery.PayloadCache;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Optional;

/**
 * The SDK endpoint {@code GET /api/features/{clientKey}}: the connection's precompiled payload
 * bytes with a strong ETag; {@code If-None-Match} answers 304. Client keys are public, so no
 * credentials are needed; the payload is never rebuilt per request.
 */
final class FeaturesApi {
  /** Browsers and CDNs may reuse a payload briefly and must revalidate after. */
  static final String CACHE_CONTROL = "public, max-age=0, s-maxage=5, stale-while-revalidate=30, stale-if-error=86400";

  private final PayloadCache payloads;
  private final Counter served;
  private final Counter notModified;

  FeaturesApi(PayloadCache payloads, MeterRegistry meters) {
    this.payloads = payloads;
    this.served = Counter.builder("assay.sdk.payload.requests").tag("status", "200").register(meters);
    this.notModified = Counter.builder("assay.sdk.payload.requests").tag("status", "304").register(meters);
  }

  void routing(Routes routing) {
    routing.get("/api/features/{clientKey}", this::payload);
  }

  private void payload(ServerRequest req, ServerResponse res) {
    String key = req.path().pathParameters().get("clientKey");
    Optional<CompiledPayload> p = payloads.get(key);
    res.header(HeaderNames.create("Access-Control-Allow-Origin"), "*");
    if (p.isEmpty()) {
      Reply r = HttpApi.error(404, "unknown_client_key", "no SDK connection with client key '"
          + (key.length() > 100 ? key.substring(0, 100) + "…" : key) + "'", List.of());
      res.status(Status.NOT_FOUND_404);
      res.header(HeaderNames.CONTENT_TYPE, r.contentType());
      res.send(r.body());
      return;
    }
    CompiledPayload payload = p.get();
    res.header(HeaderNames.ETAG, payload.etag());
    // GrowthBook SDKs (and AssayClient) switch to /sub/{clientKey} when they see this.
    res.header(HeaderNames.create("x-sse-support"), "enabled");
    res.header(HeaderNames.CACHE_CONTROL, CACHE_CONTROL);
    res.header(HeaderNames.VARY, "Accept-Encoding");
    if (matches(req.headers().first(HeaderNames.IF_NONE_MATCH), payload.etag())) {
      notModified.increment();
      res.status(Status.NOT_MODIFIED_304);
      res.send();
      return;
    }
    served.increment();
    res.header(HeaderNames.CONTENT_TYPE, "application/json");
    res.send(payload.json());
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
