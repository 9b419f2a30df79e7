package dev.assay.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.FeatureResult;
import dev.assay.server.auth.ApiKeys;
import dev.assay.server.auth.ServerKeys;
import dev.assay.server.delivery.PayloadEvaluators;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The OpenFeature Remote Evaluation Protocol (OFREP, {@code open-feature/protocol}
 * {@code service/openapi.yaml}): {@code POST /ofrep/v1/evaluate/flags/{key}} evaluates one flag
 * and {@code POST /ofrep/v1/evaluate/flags} every flag of an SDK connection, for the unit
 * described by the request's {@code context}.
 *
 * <p>The credential ({@code X-API-Key: <key>} or {@code Authorization: Bearer <key>}) is an SDK
 * connection's client key, or its secret server key ({@link ServerKeys}, which shares the client
 * key's rate limit); evaluation uses that connection's environment, with the SDK's engine on the
 * payload {@code GET /api/features/{clientKey}} serves ({@link PayloadEvaluators}), so a unit
 * gets the same value and variant either way. A missing or unknown key answers 401; a management
 * API key answers 403 (it names no environment). Each client key has a token bucket; an empty
 * bucket answers 429 with {@code Retry-After} in seconds.
 *
 * <p>Every answer that is not a success is JSON in the spec's shapes ({@code errorCode} and
 * {@code errorDetails}, with {@code key} on single evaluations); nothing a client sends produces a
 * 500. Thread-safe.
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
  private static final HeaderName X_API_KEY = HeaderNames.create("X-API-Key");
  private static final HeaderName RETRY_AFTER = HeaderNames.create("Retry-After");
  private static final String TARGETING_KEY = "targetingKey";
  private static final String ID = "id";
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /* Context hashing for the bulk ETag: nested maps written in key order, so order does not matter. */
  private static final ObjectMapper CANONICAL =
      new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private final PayloadEvaluators evaluators;
  private final ApiKeys keys;
  private final ServerKeys serverKeys;
  private final RateLimit limit;
  private final LongSupplier nanoTime;
  private final MeterRegistry meters;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  /** OFREP over {@code evaluators}, authenticating management keys with {@code keys} only to answer 403. */
  public OfrepApi(PayloadEvaluators evaluators, ApiKeys keys, RateLimit limit, MeterRegistry meters) {
    this(evaluators, keys, limit, meters, System::nanoTime);
  }

  OfrepApi(PayloadEvaluators evaluators, ApiKeys keys, RateLimit limit, MeterRegistry meters, LongSupplier nanoTime) {
    this.evaluators = Objects.requireNonNull(evaluators, "evaluators");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.serverKeys = keys.serverKeys();
    this.limit = Objects.requireNonNull(limit, "limit");
    this.meters = Objects.requireNonNull(meters, "meters");
    this.nanoTime = nanoTime;
  }

  /** Registers the OFREP routes. */
  void routing(Routes routing) {
    routing.post(SINGLE, (req, res) -> handle(req, res, req.path().pathParameters().get("key")));
    routing.post(BULK, (req, res) -> handle(req, res, null));
    routing.options(SINGLE, this::preflight);
    routing.options(BULK, this::preflight);
    routing.any(SINGLE, this::notAllowed);
    routing.any(BULK, this::notAllowed);
  }

  /** An answer: status, JSON body (none for 304) and extra headers. */
  private record Answer(int status, ObjectNode body, Map<HeaderName, String> headers) {
    Answer(int status, ObjectNode body) {
      this(status, body, Map.of());
    }
  }

  private void handle(ServerRequest req, ServerResponse res, String flagKey) {
    Answer a;
    try {
      a = answer(req, flagKey);
    } catch (RuntimeException e) {
      System.getLogger(OfrepApi.class.getName()).log(System.Logger.Level.ERROR, "OFREP evaluation failed", e);
      a = new Answer(500, failure(flagKey, "GENERAL", "internal error; see the server log"));
    }
    meters.counter("assay.ofrep.requests", "endpoint", flagKey == null ? "bulk" : "single",
        "status", String.valueOf(a.status())).increment();
    send(res, a);
  }

  private Answer answer(ServerRequest req, String flagKey) {
    Optional<String> credential = credential(req);
    if (credential.isEmpty()) {
      return new Answer(401, failure(flagKey, "GENERAL",
          "missing credentials: send 'X-API-Key: <client or server key>' or 'Authorization: Bearer <client or server key>'"));
    }
    String token = credential.get();
    Optional<PayloadEvaluators.Evaluator> evaluator = evaluators.get(token);
    if (evaluator.isEmpty() && token.startsWith(ServerKeys.PREFIX)) {
      // A server key stands for its connection: same environment, same bucket as its client key.
      Optional<String> clientKey = serverKeys.clientKeyOf(token);
      if (clientKey.isEmpty()) {
        return new Answer(401, failure(flagKey, "GENERAL", "unknown or revoked server key"));
      }
      token = clientKey.get();
      evaluator = evaluators.get(token);
    }
    if (evaluator.isEmpty()) {
      if (keys.authenticate(token).isPresent()) {
        return new Answer(403, failure(flagKey, "GENERAL", "a management API key cannot evaluate flags; use the"
            + " client key of an SDK connection, which selects the environment"));
      }
      return new Answer(401, failure(flagKey, "GENERAL", "unknown client key"));
    }
    long waitNanos = bucket(token).take(nanoTime.getAsLong());
    if (waitNanos > 0) {
      long seconds = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
      return new Answer(429, failure(flagKey, "GENERAL", "rate limit of " + limit.requestsPerSecond()
          + " requests/s for this client key exceeded; retry after " + seconds + " s"),
          Map.of(RETRY_AFTER, String.valueOf(seconds)));
    }
    var length = req.headers().contentLength();
    if (length.isPresent() && length.getAsLong() > HttpApi.MAX_BODY_BYTES) {
      return tooLarge(flagKey);
    }
    byte[] body;
    try (InputStream in = req.content().inputStream()) {
      body = in.readNBytes(HttpApi.MAX_BODY_BYTES + 1);
    } catch (IOException | RuntimeException e) {
      return new Answer(400, failure(flagKey, "PARSE_ERROR", "the request body could not be read"));
    }
    if (body.length > HttpApi.MAX_BODY_BYTES) {
      return tooLarge(flagKey);
    }
    if (!isBlank(body) && req.headers().first(HeaderNames.CONTENT_ENCODING)
        .filter(e -> !e.isBlank() && !e.strip().equalsIgnoreCase("identity")).isPresent()) {
      return new Answer(415, failure(flagKey, "GENERAL", "Content-Encoding must be absent"));
    }
    if (!isBlank(body) && !isJson(req)) {
      return new Answer(415, failure(flagKey, "GENERAL", "Content-Type must be application/json, was "
          + req.headers().contentType().map(t -> "'" + t.mediaType().text() + "'").orElse("absent")));
    }
    Request parsed;
    try {
      parsed = parse(body);
    } catch (BadRequest e) {
      return new Answer(400, failure(flagKey, e.code, e.getMessage()));
    }
    PayloadEvaluators.Evaluator ev = evaluator.get();
    if (flagKey != null) {
      return single(ev, flagKey, parsed.attributes());
    }
    String etag = bulkEtag(ev.payload().etag(), parsed.context());
    if (FeaturesApi.matches(req.headers().first(HeaderNames.IF_NONE_MATCH), etag)) {
      return new Answer(304, null, Map.of(HeaderNames.ETAG, etag));
    }
    ObjectNode out = F.objectNode();
    ArrayNode flags = out.putArray("flags");
    for (FeatureResult r : ev.client().evaluateAll(parsed.attributes()).values()) {
      flags.add(evaluation(ev, r.featureKey(), r).body());
    }
    return new Answer(200, out, Map.of(HeaderNames.ETAG, etag, HeaderNames.CACHE_CONTROL, "private, no-cache"));
  }

  private static Answer tooLarge(String flagKey) {
    return new Answer(413, failure(flagKey, "GENERAL", "request body exceeds " + HttpApi.MAX_BODY_BYTES + " bytes"));
  }

  private static Answer single(PayloadEvaluators.Evaluator ev, String flagKey, Attributes attributes) {
    FeatureResult r = ev.client().evaluate(flagKey, attributes);
    return evaluation(ev, flagKey, r);
  }

  /*
   * Reasons as the OpenFeature provider reports them (assay-openfeature AssayProvider): a force
   * rule is STATIC when it is the feature's first rule and applies to everybody, else
   * TARGETING_MATCH; an experiment is SPLIT with the variation key as variant; no rule, or an unmet
   * prerequisite, is DEFAULT. A flag turned off in the environment compiles to no rules, so it is
   * DEFAULT too: the payload (which the SDK also evaluates) does not record the switch.
   */
  private static Answer evaluation(PayloadEvaluators.Evaluator ev, String key, FeatureResult r) {
    String reason;
    switch (r.source()) {
      case UNKNOWN_FEATURE:
        return new Answer(404, failure(key, "FLAG_NOT_FOUND", "no flag '" + key + "' in this SDK connection's environment"));
      case CYCLIC_PREREQUISITE:
        return new Answer(500, failure(key, "GENERAL", "flag '" + key + "' has cyclic prerequisites"));
      case ERROR:
        return new Answer(500, failure(key, "GENERAL", "evaluating flag '" + key + "' failed"));
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
    return new Answer(200, out);
  }

  /** The request's context as a JSON object (for the ETag) and as the unit's attributes. */
  private record Request(Map<String, Object> context, Attributes attributes) {}

  private static final class BadRequest extends Exception {
    final String code;

    BadRequest(String code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  /*
   * The body is optional ({"context": ...} is the only field the spec defines); the targeting key
   * becomes the attribute "id" unless the context sets "id" itself, as in the OpenFeature provider.
   */
  @SuppressWarnings("unchecked")
  private static Request parse(byte[] body) throws BadRequest {
    if (isBlank(body)) {
      return new Request(Map.of(), Attributes.empty());
    }
    JsonNode root;
    try {
      root = dev.assay.server.domain.Json.parse(body);
    } catch (dev.assay.server.domain.DomainException e) {
      throw new BadRequest(e.code().equals("malformed_json") ? "PARSE_ERROR" : "INVALID_CONTEXT", e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new BadRequest("PARSE_ERROR", "the body must be a JSON object like {\"context\": {...}}");
    }
    JsonNode context = root.get("context");
    if (context == null || context.isNull()) {
      return new Request(Map.of(), Attributes.empty());
    }
    if (!context.isObject()) {
      throw new BadRequest("INVALID_CONTEXT", "context must be a JSON object, was " + context.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
    }
    JsonNode targetingKey = context.get(TARGETING_KEY);
    if (targetingKey != null && !targetingKey.isNull() && !targetingKey.isTextual()) {
      throw new BadRequest("INVALID_CONTEXT", "context.targetingKey must be a string, was "
          + targetingKey.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
    }
    Map<String, Object> map;
    try {
      map = MAPPER.treeToValue(context, LinkedHashMap.class);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new BadRequest("INVALID_CONTEXT", "context could not be read: " + firstLine(e));
    }
    Map<String, Object> attributes = new LinkedHashMap<>(map);
    attributes.remove(TARGETING_KEY);
    if (targetingKey != null && targetingKey.isTextual() && !targetingKey.asText().isEmpty()
        && attributes.get(ID) == null) {
      attributes.put(ID, targetingKey.asText());
    }
    return new Request(map, attributes.isEmpty() ? Attributes.empty() : Attributes.fromMap(attributes));
  }

  private static boolean isJson(ServerRequest req) {
    return req.headers().contentType()
        .filter(t -> t.mediaType().text().equalsIgnoreCase("application/json")).isPresent();
  }

  private static boolean isBlank(byte[] body) {
    for (byte b : body) {
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
        return false;
      }
    }
    return true;
  }

  private static String firstLine(Exception e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  /* The bulk ETag changes with the payload and with the context: SHA-256 of both, first 128 bits. */
  static String bulkEtag(String payloadEtag, Map<String, Object> context) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(payloadEtag.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(CANONICAL.writeValueAsBytes(context));
      return "\"" + HexFormat.of().formatHex(sha.digest(), 0, 16) + "\"";
    } catch (NoSuchAlgorithmException | JsonProcessingException e) {
      throw new IllegalStateException("cannot compute the OFREP bulk ETag", e);
    }
  }

  private static Optional<String> credential(ServerRequest req) {
    Optional<String> apiKey = req.headers().first(X_API_KEY).map(String::trim).filter(s -> !s.isEmpty());
    if (apiKey.isPresent()) {
      return apiKey;
    }
    Optional<String> auth = req.headers().first(HeaderNames.AUTHORIZATION);
    if (auth.isPresent() && auth.get().regionMatches(true, 0, "Bearer ", 0, 7)) {
      String token = auth.get().substring(7).trim();
      return token.isEmpty() ? Optional.empty() : Optional.of(token);
    }
    return Optional.empty();
  }

  private static ObjectNode failure(String key, String code, String details) {
    ObjectNode o = F.objectNode();
    if (key != null) {
      o.put("key", key);
    }
    o.put("errorCode", code);
    o.put("errorDetails", details);
    return o;
  }

  private void preflight(ServerRequest req, ServerResponse res) {
    cors(res);
    res.header(HeaderNames.create("Access-Control-Allow-Methods"), "POST, OPTIONS");
    res.header(HeaderNames.create("Access-Control-Allow-Headers"),
        "Content-Type, Authorization, X-API-Key, If-None-Match");
    res.header(HeaderNames.create("Access-Control-Max-Age"), "86400");
    res.status(Status.NO_CONTENT_204);
    res.send();
  }

  private void notAllowed(ServerRequest req, ServerResponse res) {
    res.header(HeaderNames.ALLOW, "POST, OPTIONS");
    send(res, new Answer(405, failure(null, "GENERAL", req.prologue().method().text()
        + " is not allowed on " + req.path().path() + "; use POST")));
  }

  private static void cors(ServerResponse res) {
    res.header(HeaderNames.create("Access-Control-Allow-Origin"), "*");
    res.header(HeaderNames.create("Access-Control-Expose-Headers"), "ETag, Retry-After");
  }

  private static void send(ServerResponse res, Answer a) {
    cors(res);
    a.headers().forEach(res::header);
    res.status(Status.create(a.status()));
    if (a.body() == null) {
      res.send();
      return;
    }
    res.header(HeaderNames.CONTENT_TYPE, "application/json");
    try {
      res.send(MAPPER.writeValueAsBytes(a.body()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize an OFREP answer", e);
    }
  }

  private Bucket bucket(String clientKey) {
    return buckets.computeIfAbsent(clientKey, k -> new Bucket(limit, nanoTime.getAsLong()));
  }

  /* A token bucket; take() answers 0 when a token was taken, else the nanoseconds until one is. */
  private static final class Bucket {
    private final double perNano;
    private final double capacity;
    private double tokens;
    private long last;

    Bucket(RateLimit limit, long now) {
      this.perNano = limit.requestsPerSecond() / 1e9;
      this.capacity = limit.burst();
      this.tokens = capacity;
      this.last = now;
    }

    synchronized long take(long now) {
      if (now > last) {
        tokens = Math.min(capacity, tokens + (now - last) * perNano);
        last = now;
      }
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.max(1, (long) Math.ceil((1 - tokens) / perNano));
    }
  }
}
