package dev.assay.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.Json;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OpenAPI 3.1 document of every route the server answers: the management API under
 * {@code /api/v1}, generated from the endpoint table (request body schemas come from the records
 * the server binds bodies to), event ingestion, the delivery endpoints SDKs use
 * ({@code /api/features}, {@code /sub}, OFREP) and the probes. Paths are absolute (one server,
 * {@code /}): the Prometheus {@code /metrics} and the metric catalogue {@code /api/v1/metrics}
 * are different paths. {@code OpenApiTest} checks it against the routes as registered.
 */
final class OpenApi {
  private static final Pattern PARAM = Pattern.compile("\\{([a-zA-Z]+)}");
  private static final String ERROR = "error: {\"error\": {\"code\", \"message\", \"details\"}}";
  private static final Map<String, String> QUERY_DOCS = Map.ofEntries(
      Map.entry("project", "project key; default: the 'default' project"),
      Map.entry("version", "the version being deleted (optimistic concurrency)"),
      Map.entry("newPhase", "true to change variants or coverage of a running experiment in a new phase (re-seeds assignment)"),
      Map.entry("kind", "entity kind, e.g. flag, experiment, api_key"),
      Map.entry("key", "entity key"),
      Map.entry("actor", "who made the change"),
      Map.entry("from", "ISO-8601 instant, inclusive"),
      Map.entry("to", "ISO-8601 instant, exclusive"),
      Map.entry("after", "sequence number to continue after (paging)"),
      Map.entry("limit", "page size"),
      Map.entry("dimensions", "comma-separated exposure attributes to break results down by (up to 5)"),
      Map.entry("phase", "the phase to analyse (1, 2, ...); default: the latest"),
      Map.entry("async", "true to answer 202 at once and follow the refresh at GET .../refresh"),
      Map.entry("full", "true to recompute from the events, not from the incremental per-unit aggregates"),
      Map.entry("history", "the newest N snapshots (1 to 1000) instead of the latest one"));
  private static final java.util.Set<String> INTEGER_QUERY = java.util.Set.of("version", "after", "limit", "phase",
      "history");
  private static final java.util.Set<String> BOOLEAN_QUERY = java.util.Set.of("newPhase", "async", "full");

  private OpenApi() {}

  static ObjectNode document(List<Endpoint> endpoints) {
    ObjectNode doc = JsonNodeFactory.instance.objectNode();
    doc.put("openapi", "3.1.0");
    doc.putObject("info").put("title", "Assay API").put("version", "v1")
        .put("description", "Management API under /api/v1 (API key as Bearer token), SDK payload delivery,"
            + " server-sent events and OFREP (SDK connection client key).");
    doc.putArray("servers").addObject().put("url", "/");
    ObjectNode schemes = doc.putObject("components").putObject("securitySchemes");
    schemes.putObject("bearer").put("type", "http").put("scheme", "bearer");
    schemes.putObject("clientKey").put("type", "apiKey").put("in", "header").put("name", "X-API-Key")
        .put("description", "an SDK connection's client key (also accepted as Authorization: Bearer or"
            + " X-Assay-Client-Key)");
    schemes.putObject("serverKey").put("type", "apiKey").put("in", "header").put("name", "X-API-Key")
        .put("description", "an SDK connection's secret server key (assay_srv_...; also accepted as"
            + " Authorization: Bearer), issued by POST /sdk-connections/{key}/server-key");
    doc.putArray("security").addObject().putArray("bearer");
    ObjectNode paths = doc.putObject("paths");
    for (Endpoint e : endpoints) {
      String key = HttpApi.PREFIX + e.path();
      ObjectNode path = paths.has(key) ? (ObjectNode) paths.get(key) : paths.putObject(key);
      ObjectNode op = path.putObject(e.method().toLowerCase(Locale.ROOT));
      op.put("summary", e.summary());
      op.put("x-required-permission", e.permission().name().toLowerCase(Locale.ROOT));
      ArrayNode params = pathParams(op, e.path());
      for (String q : e.queryParams()) {
        ObjectNode p = params.addObject().put("name", q).put("in", "query").put("required", q.equals("version"));
        p.putObject("schema").put("type", INTEGER_QUERY.contains(q) ? "integer"
            : BOOLEAN_QUERY.contains(q) ? "boolean" : "string");
        if (QUERY_DOCS.containsKey(q)) {
          p.put("description", QUERY_DOCS.get(q));
        }
      }
      if (e.body() != Endpoint.BodyMode.NONE) {
        JsonNode schema = e.requestSchema() != null ? e.requestSchema()
            : JsonNodeFactory.instance.objectNode().put("type", "object");
        op.putObject("requestBody").put("required", e.body() != Endpoint.BodyMode.OPTIONAL)
            .putObject("content").putObject(e.method().equals("PATCH") ? "application/merge-patch+json" : "application/json")
            .set("schema", schema);
      }
      ObjectNode responses = op.putObject("responses");
      responses.putObject("2XX").put("description", "success");
      responses.putObject("4XX").put("description", ERROR);
    }
    ingestion(paths);
    delivery(paths);
    return doc;
  }

  private static ArrayNode pathParams(ObjectNode op, String template) {
    ArrayNode params = op.putArray("parameters");
    Matcher m = PARAM.matcher(template);
    while (m.find()) {
      params.addObject().put("name", m.group(1)).put("in", "path").put("required", true)
          .putObject("schema").put("type", "string");
    }
    return params;
  }

  /* Endpoints outside the endpoint table: delivery, OFREP, probes and the document itself. */
  private static void delivery(ObjectNode paths) {
    ObjectNode features = root(paths, FeaturesApi.PATH).putObject("get");
    features.put("summary", "The SDK payload (GrowthBook-compatible) of an SDK connection; strong ETag,"
        + " If-None-Match answers 304; header x-sse-support: enabled");
    features.putArray("security");
    pathParams(features, FeaturesApi.PATH).addObject().put("name", "If-None-Match").put("in", "header")
        .putObject("schema").put("type", "string");
    ObjectNode fr = features.putObject("responses");
    fr.putObject("200").put("description", "the payload: {\"features\": {...}} or {\"encryptedFeatures\": \"...\"}");
    fr.putObject("304").put("description", "not modified");
    fr.putObject("404").put("description", "unknown client key; " + ERROR);

    ObjectNode sub = root(paths, StreamApi.PATH).putObject("get");
    sub.put("summary", "Server-sent events: a 'features' event with the payload at connect and after every"
        + " change, comment heartbeats when idle; Last-Event-ID resumes");
    sub.putArray("security");
    pathParams(sub, StreamApi.PATH).addObject().put("name", "Last-Event-ID").put("in", "header")
        .putObject("schema").put("type", "string");
    ObjectNode sr = sub.putObject("responses");
    sr.putObject("200").put("description", "text/event-stream");
    sr.putObject("404").put("description", "unknown client key; " + ERROR);

    ObjectNode ofrepBody = schema("""
        {"type":"object","properties":{"context":{"type":"object",
          "properties":{"targetingKey":{"type":"string"}},"additionalProperties":true}}}""");
    String ofrepError = "{\"key\", \"errorCode\", \"errorDetails\", \"error\": {\"code\", \"message\", \"details\"}}";
    ObjectNode single = root(paths, OfrepApi.SINGLE).putObject("post");
    single.put("summary", "OFREP: evaluate one flag for the context");
    ofrep(single, ofrepBody, ofrepError);
    pathParams(single, OfrepApi.SINGLE);
    ((ObjectNode) single.get("responses")).putObject("404").put("description", "FLAG_NOT_FOUND: " + ofrepError);

    ObjectNode bulk = root(paths, OfrepApi.BULK).putObject("post");
    bulk.put("summary", "OFREP: evaluate every flag for the context; ETag, If-None-Match answers 304");
    ofrep(bulk, ofrepBody, ofrepError);
    bulk.putArray("parameters").addObject().put("name", "If-None-Match").put("in", "header")
        .putObject("schema").put("type", "string");
    ((ObjectNode) bulk.get("responses")).putObject("304").put("description", "not modified");
    for (String sdkPath : List.of(FeaturesApi.PATH, StreamApi.PATH, OfrepApi.SINGLE, OfrepApi.BULK, EventIngestion.PATH)) {
      preflight(root(paths, sdkPath).putObject("options"), sdkPath);
    }

    for (String probe : List.of("/health/live", "/health/ready", "/metrics")) {
      ObjectNode get = root(paths, probe).putObject("get");
      get.put("summary", probe.equals("/metrics") ? "Prometheus metrics (text format)"
          : probe.equals("/health/ready") ? "Readiness: 200 when the store answers, else 503" : "Liveness");
      get.putArray("security");
      get.putObject("responses").putObject("200").put("description", "ok");
    }
    ObjectNode openApi = root(paths, HttpApi.PREFIX + "/openapi.json").putObject("get");
    openApi.put("summary", "This document (OpenAPI 3.1)");
    openApi.putArray("security");
    openApi.putObject("responses").putObject("200").put("description", "the OpenAPI document");
    schemas(paths);
  }

  /* GET /api/v1/schema and /schema/{kind}: public, outside the endpoint table (editors fetch them without a token). */
  private static void schemas(ObjectNode paths) {
    ObjectNode schemas = root(paths, HttpApi.PREFIX + AsCodeApi.SCHEMA).putObject("get");
    schemas.put("summary", "The JSON Schemas of the as-code file format: the kinds and their URLs (public)");
    schemas.putArray("security");
    schemas.putObject("responses").putObject("200").put("description", "{\"any\": url, \"kinds\": [{\"kind\", \"url\"}]}");
    String one = HttpApi.PREFIX + AsCodeApi.SCHEMA + "/{kind}";
    ObjectNode schema = root(paths, one).putObject("get");
    schema.put("summary", "The JSON Schema (draft 2020-12) of one kind of file document, or 'any' (public)");
    schema.putArray("security");
    pathParams(schema, one);
    ObjectNode answers = schema.putObject("responses");
    answers.putObject("200").put("description", "application/schema+json");
    answers.putObject("404").put("description", "unknown kind; " + ERROR);
  }

  private static void preflight(ObjectNode op, String path) {
    op.put("summary", "CORS preflight of an SDK route: Access-Control-Allow-Origin *, the path's methods and the"
        + " request headers SDKs send (" + SdkEdge.ALLOWED_HEADERS + ")");
    op.putArray("security");
    pathParams(op, path);
    op.putObject("responses").putObject("204").put("description", "no content, with the CORS headers");
  }

  /* POST /api/v1/events: authenticated by a client or server key or an API key, not the endpoint table. */
  private static void ingestion(ObjectNode paths) {
    ObjectNode post = root(paths, EventIngestion.PATH).putObject("post");
    post.put("summary", "Ingest a batch of exposures and metric events (JSON array or NDJSON, optionally gzip);"
        + " answers after the accepted events are durable; invalid events are rejected one by one");
    ArrayNode security = post.putArray("security");
    security.addObject().putArray("clientKey");
    security.addObject().putArray("serverKey");
    security.addObject().putArray("bearer");
    post.putArray("parameters").addObject().put("name", "Content-Encoding").put("in", "header")
        .put("description", "gzip, or absent").putObject("schema").put("type", "string");
    ObjectNode event = schema("""
        {"type":"object","required":["id","type","unitId","timestamp"],"properties":{
          "id":{"type":"string","maxLength":256},"type":{"enum":["exposure","metric","track"]},
          "unitId":{"type":"string"},"timestamp":{"type":["string","integer"]},
          "experimentKey":{"type":"string"},"variationId":{"type":"integer","minimum":0,"maximum":1000},
          "hashAttribute":{"type":"string"},"attributes":{"type":"object"},
          "name":{"type":"string"},"value":{"type":"number"},"properties":{"type":"object"}}}""");
    ObjectNode content = post.putObject("requestBody").put("required", true).putObject("content");
    content.putObject("application/json").putObject("schema").put("type", "array").set("items", event);
    content.putObject("application/x-ndjson").set("schema", event.deepCopy());
    ObjectNode r = post.putObject("responses");
    r.putObject("200").put("description", "{\"accepted\", \"duplicates\", \"rejected\": [{\"index\", \"reason\"}]}");
    r.putObject("400").put("description", "malformed_batch or bad_encoding; " + ERROR);
    r.putObject("401").put("description", "no or unknown key; " + ERROR);
    r.putObject("403").put("description", "an API key whose role may not write metrics; " + ERROR);
    r.putObject("413").put("description", "over 10,000 events or 5 MB; " + ERROR);
    r.putObject("415").put("description", "unsupported Content-Type or Content-Encoding; " + ERROR);
    r.putObject("429").put("description", "overloaded; see Retry-After");
    r.putObject("503").put("description", "cannot store now; see Retry-After");
  }

  private static void ofrep(ObjectNode op, ObjectNode body, String error) {
    ArrayNode security = op.putArray("security");
    security.addObject().putArray("clientKey");
    security.addObject().putArray("serverKey");
    op.putObject("requestBody").put("required", false).putObject("content").putObject("application/json")
        .set("schema", body.deepCopy());
    ObjectNode r = op.putObject("responses");
    r.putObject("200").put("description", "{\"key\", \"value\", \"reason\", \"variant\", \"metadata\"}"
        + " (bulk: {\"flags\": [...]})");
    r.putObject("400").put("description", "PARSE_ERROR or INVALID_CONTEXT: " + error);
    r.putObject("401").put("description", "missing or unknown client key, or an unknown or revoked server key");
    r.putObject("403").put("description", "a management API key instead of a client key");
    r.putObject("429").put("description", "rate limited; see the Retry-After header (seconds)");
  }

  /* The path item of a path, created when absent (GET and OPTIONS of one path share it). */
  private static ObjectNode root(ObjectNode paths, String path) {
    return paths.has(path) ? (ObjectNode) paths.get(path) : paths.putObject(path);
  }

  /** Parses a literal JSON Schema. */
  static ObjectNode schema(String json) {
    try {
      return (ObjectNode) Json.MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("malformed schema literal", e);
    }
  }

  /** True when a concrete path fits a template such as {@code /flags/{key}}. */
  static boolean matches(String template, String path) {
    String regex = PARAM.matcher(Pattern.quote(template)).replaceAll("\\\\E[^/]+\\\\Q");
    return path.matches(regex);
  }
}
