package dev.assay.server.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.sdk.FeatureResult;
import dev.assay.server.auth.ServerKeys;
import dev.assay.server.delivery.PayloadEvaluators;
import dev.assay.server.domain.DomainException;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The OpenFeature Remote Evaluation Protocol (OFREP, {@code open-feature/protocol}
 * {@code service/openapi.yaml}): {@code POST /ofrep/v1/evaluate/flags/{key}} evaluates one flag
 * and {@code POST /ofrep/v1/evaluate/flags} every flag of an SDK connection, for the unit
 * described by the request's {@code context}.
 *
 * <p>The credential ({@link Credentials}: {@code X-API-Key: <key>} or {@code Authorization: Bearer <key>})
 * is an SDK connection's client key, or its secret server key ({@link ServerKeys}, which shares the client
 * key's rate limit); evaluation uses that connection's environment, with the SDK's engine on the
 * payload {@code GET /api/features/{clientKey}} serves ({@link PayloadEvaluators}), so a unit
 * gets the same value and variant either way. A missing or unknown key answers 401; a management
 * API key answers 403 (it names no environment). Each client key has a token bucket; an empty
 * bucket answers 429 with {@code Retry-After} in seconds.
 *
 * <p>Every answer that is not a success is JSON in the spec's shapes ({@code errorCode} and
 * {@code errorDetails}, with {@code key} on single evaluations), with the error body of every other
 * route beside them ({@code "error": {"code", "message", "details"}}); answers go through the
 * {@link SdkEdge} (CORS, preflight). Nothing a client sends produces a 500. Thread-safe.
 */
public final class OfrepApi {

  /**
   * The per client key token bucket: {@code requestsPerSecond} sustained, {@code burst} at once.
   *
   * @param requestsPerSecond refill rate, positive
   * @param burst bucket size, at least 1
   */
  public record RateLimit(double requestsPerSecond, double burst) {
    public RateLimit {
      if (!(requestsPerSecond > 0) || Double.isInfinite(requestsPerSecond)) {
        throw new IllegalArgumentException("ofrep rate limit requestsPerSecond must be positive and finite, was "
            + requestsPerSecond);
      }
      if (!(burst >= 1) || Double.isInfinite(burst)) {
        throw new IllegalArgumentException("ofrep rate limit burst must be at least 1 and finite, was " + burst);
      }
    }
  }

  /** Generous enough for load tests from one client key: 100,000 requests/s, bursts of 200,000. */
  public static final RateLimit DEFAULT_RATE_LIMIT = new RateLimit(100_000, 200_000);

  static final String SINGLE = "/ofrep/v1/evaluate/flags/{key}";
  static final String BULK = "/ofrep/v1/evaluate/flags";
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final PayloadEvaluators evaluators;
  private final Credentials credentials;
  private final TokenBuckets buckets;
  private final MeterRegistry meters;

  OfrepApi(PayloadEvaluators evaluators, Credentials credentials, RateLimit limit, MeterRegistry meters) {
    this(evaluators, credentials, limit, meters, System::nanoTime);
  }

  OfrepApi(PayloadEvaluators evaluators, Credentials credentials, RateLimit limit, MeterRegistry meters,
      LongSupplier nanoTime) {
    this.evaluators = Objects.requireNonNull(evaluators, "evaluators");
    this.credentials = Objects.requireNonNull(credentials, "credentials");
    this.buckets = new TokenBuckets(Objects.requireNonNull(limit, "limit"), nanoTime);
    this.meters = Objects.requireNonNull(meters, "meters");
  }

  /** Registers the OFREP routes (and their preflights) on the SDK edge, and 405 for other methods. */
  void routing(SdkEdge edge, Routes routes) {
    Reply unexpected = Reply.json(500, failure(null, "GENERAL", "internal error; see the server log"));
    edge.route(Method.POST, SINGLE, req -> counted(req, req.path().pathParameters().get("key")), unexpected);
    edge.route(Method.POST, BULK, req -> counted(req, null), unexpected);
    routes.any(SINGLE, (req, res) -> notAllowed(req, res, edge.allowed(SINGLE)));
    routes.any(BULK, (req, res) -> notAllowed(req, res, edge.allowed(BULK)));
  }

  private Reply counted(ServerRequest req, String flagKey) {
    Reply reply = answer(req, flagKey);
    meters.counter("assay.ofrep.requests", "endpoint", flagKey == null ? "bulk" : "single",
        "status", String.valueOf(reply.status())).increment();
    return reply;
  }

  private Reply answer(ServerRequest req, String flagKey) {
    Credentials.Connection connection;
    switch (credentials.resolve(req)) {
      case Credentials.Refused r -> {
        return Reply.json(401, failure(flagKey, "GENERAL", r.message()
            + " (the client key or server key of an SDK connection)"));
      }
      case Credentials.ApiKey k -> {
        return Reply.json(403, failure(flagKey, "GENERAL", "a management API key cannot evaluate flags; use the"
            + " client key of an SDK connection, which selects the environment"));
      }
      case Credentials.Connection c -> connection = c;
    }
    // A server key stands for its connection: same environment, same bucket as its client key.
    Optional<PayloadEvaluators.Evaluator> evaluator = evaluators.get(connection.clientKey());
    if (evaluator.isEmpty()) {
      return Reply.json(401, failure(flagKey, "GENERAL", "unknown client key"));
    }
    long retryAfter = buckets.take(connection.clientKey());
    if (retryAfter > 0) {
      return Reply.json(429, failure(flagKey, "GENERAL", "rate limit of " + buckets.limit().requestsPerSecond()
          + " requests/s for this client key exceeded; retry after " + retryAfter + " s"))
          .withHeader("Retry-After", String.valueOf(retryAfter));
    }
    OfrepRequest parsed;
    try {
      parsed = OfrepRequest.parse(body(req));
    } catch (OfrepRequest.BadRequest e) {
      int status = switch (e.code) {
        case "TOO_LARGE" -> 413;
        case "UNSUPPORTED" -> 415;
        default -> 400;
      };
      return Reply.json(status, failure(flagKey, status == 400 ? e.code : "GENERAL", e.getMessage()));
    }
    PayloadEvaluators.Evaluator ev = evaluator.get();
    return flagKey != null ? evaluation(ev, flagKey, ev.client().evaluate(flagKey, parsed.attributes()))
        : bulk(req, ev, parsed);
  }

  /* The body, bounded, in JSON and without a Content-Encoding (an empty body needs neither). */
  private static byte[] body(ServerRequest req) throws OfrepRequest.BadRequest {
    String tooLarge = "request body exceeds " + HttpApi.MAX_BODY_BYTES + " bytes";
    if (Bodies.declaredOver(req, HttpApi.MAX_BODY_BYTES)) {
      throw new OfrepRequest.BadRequest("TOO_LARGE", tooLarge);
    }
    Optional<byte[]> read;
    try {
      read = Bodies.read(req, HttpApi.MAX_BODY_BYTES);
    } catch (DomainException e) {
      throw new OfrepRequest.BadRequest("PARSE_ERROR", "the request body could not be read");
    }
    byte[] body = read.orElseThrow(() -> new OfrepRequest.BadRequest("TOO_LARGE", tooLarge));
    if (OfrepRequest.isBlank(body)) {
      return body;
    }
    if (req.headers().first(HeaderNames.CONTENT_ENCODING)
        .filter(e -> !e.isBlank() && !e.strip().equalsIgnoreCase("identity")).isPresent()) {
      throw new OfrepRequest.BadRequest("UNSUPPORTED", "Content-Encoding must be absent");
    }
    if (req.headers().contentType().filter(t -> t.mediaType().text().equalsIgnoreCase("application/json")).isEmpty()) {
      throw new OfrepRequest.BadRequest("UNSUPPORTED", "Content-Type must be application/json, was "
          + req.headers().contentType().map(t -> "'" + t.mediaType().text() + "'").orElse("absent"));
    }
    return body;
  }

  private static Reply bulk(ServerRequest req, PayloadEvaluators.Evaluator ev, OfrepRequest parsed) {
    String etag = OfrepRequest.bulkEtag(ev.payload().etag(), parsed.context());
    if (FeaturesApi.matches(req.headers().first(HeaderNames.IF_NONE_MATCH), etag)) {
      return Reply.notModified().withHeader("ETag", etag);
    }
    ObjectNode out = F.objectNode();
    ArrayNode flags = out.putArray("flags");
    for (FeatureResult r : ev.client().evaluateAll(parsed.attributes()).values()) {
      flags.add(evaluationBody(ev, r.featureKey(), r));
    }
    return Reply.ok(out).withHeader("ETag", etag).withHeader("Cache-Control", "private, no-cache");
  }

  /*
   * Reasons as the OpenFeature provider reports them (assay-openfeature AssayProvider): a force
   * rule is STATIC when it is the feature's first rule and applies to everybody, else
   * TARGETING_MATCH; an experiment is SPLIT with the variation key as variant; no rule, or an unmet
   * prerequisite, is DEFAULT. A flag turned off in the environment compiles to no rules, so it is
   * DEFAULT too: the payload (which the SDK also evaluates) does not record the switch.
   */
  private static Reply evaluation(PayloadEvaluators.Evaluator ev, String key, FeatureResult r) {
    ObjectNode body = evaluationBody(ev, key, r);
    int status = !body.has("errorCode") ? 200 : r.source() == FeatureResult.Source.UNKNOWN_FEATURE ? 404 : 500;
    return Reply.json(status, body);
  }

  private static ObjectNode evaluationBody(PayloadEvaluators.Evaluator ev, String key, FeatureResult r) {
    String reason;
    switch (r.source()) {
      case UNKNOWN_FEATURE:
        return failure(key, "FLAG_NOT_FOUND", "no flag '" + key + "' in this SDK connection's environment");
      case CYCLIC_PREREQUISITE:
        return failure(key, "GENERAL", "flag '" + key + "' has cyclic prerequisites");
      case ERROR:
        return failure(key, "GENERAL", "evaluating flag '" + key + "' failed");
      case EXPERIMENT:
        reason = "SPLIT";
        break;
      case FORCE:
        reason = ev.isStaticRule(key, r.ruleId()) ? "STATIC" : "TARGETING_MATCH";
        break;
      case OVERRIDE:
        reason = "STATIC";
        break;
      case PREREQUISITE:
      case DEFAULT_VALUE:
      default:
        reason = "DEFAULT";
        break;
    }
    ObjectNode out = F.objectNode();
    out.put("key", key);
    out.set("value", MAPPER.valueToTree(r.value().orElse(null)));
    out.put("reason", reason);
    r.experimentResult().ifPresent(e -> out.put("variant", e.key()));
    ObjectNode metadata = out.putObject("metadata");
    metadata.put("source", r.source().wireName());
    if (!r.ruleId().isEmpty()) {
      metadata.put("ruleId", r.ruleId());
    }
    r.experimentResult().ifPresent(e -> {
      r.experiment().ifPresent(x -> metadata.put("experimentKey", x.key()));
      metadata.put("variationId", e.variationId());
      metadata.put("inExperiment", e.inExperiment());
    });
    return out;
  }

  /*
   * OFREP's error shape ({"key", "errorCode", "errorDetails"}, open-feature/protocol), with the
   * error body every other route answers ({"error": {"code", "message", "details"}}) beside it.
   */
  private static ObjectNode failure(String key, String code, String details) {
    ObjectNode o = F.objectNode();
    if (key != null) {
      o.put("key", key);
    }
    o.put("errorCode", code);
    o.put("errorDetails", details);
    o.set("error", ApiErrors.body(code.toLowerCase(java.util.Locale.ROOT), details, List.of()));
    return o;
  }

  private static void notAllowed(ServerRequest req, ServerResponse res, String allowed) {
    SdkEdge.send(res, Reply.json(405, failure(null, "GENERAL", req.prologue().method().text()
        + " is not allowed on " + req.path().path() + "; use POST")).withHeader("Allow", allowed));
  }
}
