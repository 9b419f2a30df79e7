package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.sdk.FeatureResult;
import dev.assay.server.delivery.PayloadEvaluators;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * OFREP ({@code open-feature/protocol} {@code service/openapi.yaml}) over a real server and a real
 * HTTP client: success and error shapes and statuses, the same variants as the SDK on the
 * {@code /api/features} payload, bulk ETags, rate limiting and immediate changes.
 */
class OfrepTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private record Res(int status, String body, java.net.http.HttpHeaders headers) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON (status " + status + "): " + body, e);
      }
    }
  }

  /** POSTs {@code body} to {@code path} with header pairs. */
  private Res post(String path, String body, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.server.port() + path))
        .POST(body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Res(r.statusCode(), r.body(), r.headers());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private Res single(String clientKey, String flag, String context) {
    return post("/ofrep/v1/evaluate/flags/" + flag, "{\"context\":" + context + "}", "X-API-Key", clientKey);
  }

  private void ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 204);
  }

  /** A server with an SDK connection in production and a few flags; returns the client key. */
  private String seed() {
    TestServer.Response c = server.admin("POST", "/api/v1/sdk-connections",
        "{\"name\":\"web\",\"environment\":\"production\"}");
    assertThat(c.status()).as(c.body()).isEqualTo(201);
    ok(server.admin("POST", "/api/v1/flags", """
        {"key":"everyone","type":"boolean","defaultValue":false,
         "environments":{"production":{"rules":[{"value":true}]}}}"""));
    ok(server.admin("POST", "/api/v1/flags", """
        {"key":"dutch","type":"string","defaultValue":"en",
         "environments":{"production":{"rules":[{"condition":{"country":"NL"},"value":"nl"}]}}}"""));
    ok(server.admin("POST", "/api/v1/flags", """
        {"key":"limit","type":"number","defaultValue":5,"environments":{}}"""));
    ok(server.admin("POST", "/api/v1/flags", """
        {"key":"theme","type":"json","defaultValue":{"color":"blue","sizes":[1,2]},"environments":{}}"""));
    ok(server.admin("POST", "/api/v1/experiments", """
        {"key":"cta","variants":[
           {"key":"control","weight":0.5,"value":"Buy"},{"key":"bold","weight":0.5,"value":"Buy now!"}]}"""));
    ok(server.admin("POST", "/api/v1/experiments/cta/start", "{}"));
    ok(server.admin("POST", "/api/v1/flags", """
        {"key":"cta-text","type":"string","defaultValue":"Buy",
         "environments":{"production":{"rules":[{"experiment":"cta"}]}}}"""));
    return c.json().get("key").asText();
  }

  @Test
  void single_success_valuesReasonsVariantsAndMetadata() {
    server = new TestServer();
    String key = seed();

    JsonNode everyone = single(key, "everyone", "{\"targetingKey\":\"u1\"}").json();
    assertThat(everyone.get("key").asText()).isEqualTo("everyone");
    assertThat(everyone.get("value").isBoolean()).isTrue();
    assertThat(everyone.get("value").asBoolean()).isTrue();
    assertThat(everyone.get("reason").asText()).isEqualTo("STATIC");
    assertThat(everyone.path("metadata").path("source").asText()).isEqualTo("force");

    Res nl = single(key, "dutch", "{\"targetingKey\":\"u1\",\"country\":\"NL\"}");
    assertThat(nl.status()).as(nl.body()).isEqualTo(200);
    assertThat(nl.json().get("value").asText()).isEqualTo("nl");
    assertThat(nl.json().get("reason").asText()).isEqualTo("TARGETING_MATCH");
    assertThat(nl.json().path("metadata").path("ruleId").asText()).isNotEmpty();
    JsonNode de = single(key, "dutch", "{\"targetingKey\":\"u1\",\"country\":\"DE\"}").json();
    assertThat(de.get("value").asText()).isEqualTo("en");
    assertThat(de.get("reason").asText()).isEqualTo("DEFAULT");

    JsonNode limit = single(key, "limit", "{}").json();
    assertThat(limit.get("value").isIntegralNumber()).as(limit.toString()).isTrue();
    assertThat(limit.get("value").asInt()).isEqualTo(5);
    JsonNode theme = single(key, "theme", "{}").json();
    assertThat(theme.get("value")).isEqualTo(JSON.createObjectNode().put("color", "blue")
        .set("sizes", JSON.createArrayNode().add(1).add(2)));

    JsonNode split = single(key, "cta-text", "{\"targetingKey\":\"u1\"}").json();
    assertThat(split.get("reason").asText()).isEqualTo("SPLIT");
    assertThat(split.get("variant").asText()).isIn("control", "bold");
    assertThat(split.get("value").asText()).isEqualTo(split.get("variant").asText().equals("bold") ? "Buy now!" : "Buy");
    assertThat(split.path("metadata").path("experimentKey").asText()).isEqualTo("cta");
    assertThat(split.path("metadata").path("inExperiment").asBoolean()).isTrue();

    Res bearer = post("/ofrep/v1/evaluate/flags/everyone", "{}", "Authorization", "Bearer " + key);
    assertThat(bearer.status()).as(bearer.body()).isEqualTo(200);
    Res noBody = post("/ofrep/v1/evaluate/flags/everyone", null, "X-API-Key", key);
    assertThat(noBody.status()).as("the body is optional").isEqualTo(200);
  }

  @Test
  void sameVariantAsTheSdkOnTheFeaturesPayload_for1000Users() {
    server = new TestServer();
    String key = seed();
    TestServer.Response payload = server.call("GET", "/api/features/" + key, null, null);
    ExperimentClient sdk = ExperimentClient.builder().payload(payload.body()).build();
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < 1000; i++) {
      String user = "user-" + i;
      FeatureResult expected = sdk.evaluate("cta-text", Attributes.of("id", user));
      JsonNode got = single(key, "cta-text", "{\"targetingKey\":\"" + user + "\"}").json();
      String variant = expected.experimentResult().orElseThrow().key();
      assertThat(got.get("variant").asText()).as(user).isEqualTo(variant);
      assertThat(got.get("value").asText()).as(user).isEqualTo(expected.value().orElseThrow());
      seen.merge(variant, 1, Integer::sum);
    }
    // Both variants occur: the context really reaches the hash (Binomial(1000, 0.5), sd 15.8).
    assertThat(seen.get("control")).isBetween(500 - 80, 500 + 80);

    // An explicit "id" attribute wins over the targeting key, as in the OpenFeature provider.
    JsonNode explicit = single(key, "cta-text", "{\"targetingKey\":\"other\",\"id\":\"user-7\"}").json();
    assertThat(explicit.get("variant").asText())
        .isEqualTo(sdk.evaluate("cta-text", Attributes.of("id", "user-7")).experimentResult().orElseThrow().key());
  }

  @Test
  void bulk_evaluatesEveryFlag_withEtagAnd304() {
    server = new TestServer();
    String key = seed();
    String body = "{\"context\":{\"targetingKey\":\"u1\",\"country\":\"NL\"}}";
    Res r = post("/ofrep/v1/evaluate/flags", body, "X-API-Key", key);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    List<String> keys = new ArrayList<>();
    Map<String, JsonNode> byKey = new HashMap<>();
    r.json().get("flags").forEach(f -> {
      keys.add(f.get("key").asText());
      byKey.put(f.get("key").asText(), f);
    });
    assertThat(keys).contains("cta-text", "dutch", "everyone", "limit", "theme");
    assertThat(byKey.get("dutch").get("value").asText()).isEqualTo("nl");
    assertThat(byKey.get("everyone").get("reason").asText()).isEqualTo("STATIC");
    assertThat(byKey.get("cta-text").get("variant").asText())
        .isEqualTo(single(key, "cta-text", "{\"targetingKey\":\"u1\"}").json().get("variant").asText());

    String etag = r.headers().firstValue("ETag").orElseThrow();
    assertThat(etag).startsWith("\"").endsWith("\"");
    Res same = post("/ofrep/v1/evaluate/flags", body, "X-API-Key", key, "If-None-Match", etag);
    assertThat(same.status()).isEqualTo(304);
    assertThat(same.body()).isEmpty();
    Res reordered = post("/ofrep/v1/evaluate/flags", "{\"context\":{\"country\":\"NL\",\"targetingKey\":\"u1\"}}",
        "X-API-Key", key, "If-None-Match", etag);
    assertThat(reordered.status()).as("key order does not change the context").isEqualTo(304);
    Res otherUser = post("/ofrep/v1/evaluate/flags", "{\"context\":{\"targetingKey\":\"u2\",\"country\":\"NL\"}}",
        "X-API-Key", key, "If-None-Match", etag);
    assertThat(otherUser.status()).as("another context").isEqualTo(200);

    ok(server.admin("PUT", "/api/v1/flags/limit", "{\"type\":\"number\",\"defaultValue\":6,\"version\":1}"));
    Res changed = post("/ofrep/v1/evaluate/flags", body, "X-API-Key", key, "If-None-Match", etag);
    assertThat(changed.status()).as("the payload changed").isEqualTo(200);
    assertThat(changed.headers().firstValue("ETag").orElseThrow()).isNotEqualTo(etag);
  }

  @Test
  void flagChange_isReflectedInTheNextEvaluation() {
    server = new TestServer();
    String key = seed();
    assertThat(single(key, "limit", "{}").json().get("value").asInt()).isEqualTo(5);
    ok(server.admin("PUT", "/api/v1/flags/limit", "{\"type\":\"number\",\"defaultValue\":7,\"version\":1}"));
    assertThat(single(key, "limit", "{}").json().get("value").asInt()).isEqualTo(7);
    ok(server.admin("DELETE", "/api/v1/flags/limit?version=2", null));
    assertThat(single(key, "limit", "{}").status()).isEqualTo(404);
    ok(server.admin("POST", "/api/v1/flags", "{\"key\":\"fresh\",\"type\":\"string\",\"defaultValue\":\"x\"}"));
    assertThat(single(key, "fresh", "{}").json().get("value").asText()).isEqualTo("x");
  }

  @Test
  void evaluators_builtOncePerPayload_rebuiltOnChange() {
    server = new TestServer();
    String key = seed();
    PayloadEvaluators evaluators = new PayloadEvaluators(server.server.payloads());
    PayloadEvaluators.Evaluator first = evaluators.get(key).orElseThrow();
    assertThat(evaluators.get(key).orElseThrow()).as("reused, not rebuilt per request").isSameAs(first);
    assertThat(first.isStaticRule("everyone", first.client().evaluate("everyone", Attributes.empty()).ruleId()))
        .isTrue();
    ok(server.admin("PUT", "/api/v1/flags/limit", "{\"type\":\"number\",\"defaultValue\":9,\"version\":1}"));
    PayloadEvaluators.Evaluator second = evaluators.get(key).orElseThrow();
    assertThat(second).isNotSameAs(first);
    assertThat(second.payload().etag()).isEqualTo(server.server.payloads().get(key).orElseThrow().etag());
    assertThat(second.client().getLong("limit", Attributes.empty(), -1)).isEqualTo(9);
    assertThat(evaluators.get("sdk-unknown")).isEmpty();
  }

  @Test
  void unknownFlag_404FlagNotFound() {
    server = new TestServer();
    String key = seed();
    Res r = single(key, "nope", "{\"targetingKey\":\"u1\"}");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.json().get("key").asText()).isEqualTo("nope");
    assertThat(r.json().get("errorCode").asText()).isEqualTo("FLAG_NOT_FOUND");
    assertThat(r.json().get("errorDetails").asText()).contains("nope");
  }

  @Test
  void auth_missingOrUnknown401_managementKey403() {
    server = new TestServer();
    String key = seed();
    Res none = post("/ofrep/v1/evaluate/flags/everyone", "{}");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.json().get("errorDetails").asText()).contains("X-API-Key");
    assertThat(post("/ofrep/v1/evaluate/flags/everyone", "{}", "X-API-Key", "sdk-unknown").status()).isEqualTo(401);
    assertThat(post("/ofrep/v1/evaluate/flags", "{}", "Authorization", "Bearer sdk-unknown").status()).isEqualTo(401);
    assertThat(post("/ofrep/v1/evaluate/flags", "{}", "Authorization", "Basic " + key).status())
        .as("only Bearer").isEqualTo(401);
    Res admin = post("/ofrep/v1/evaluate/flags/everyone", "{}", "Authorization", "Bearer " + TestServer.ADMIN_TOKEN);
    assertThat(admin.status()).isEqualTo(403);
    assertThat(admin.json().get("errorDetails").asText()).contains("client key");
    // A deleted connection's key stops working at once.
    ok(server.admin("DELETE", "/api/v1/sdk-connections/" + key + "?version=1", null));
    assertThat(single(key, "everyone", "{}").status()).isEqualTo(401);
  }

  @Test
  void badInput_400WithErrorCode_413WhenOversized_neverA500() {
    server = new TestServer();
    String key = seed();
    Res malformed = post("/ofrep/v1/evaluate/flags/everyone", "{\"context\": {", "X-API-Key", key);
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.json().get("errorCode").asText()).isEqualTo("PARSE_ERROR");
    assertThat(malformed.json().get("key").asText()).isEqualTo("everyone");
    Res array = post("/ofrep/v1/evaluate/flags", "[1,2]", "X-API-Key", key);
    assertThat(array.status()).isEqualTo(400);
    assertThat(array.json().get("errorCode").asText()).isEqualTo("PARSE_ERROR");
    assertThat(array.json().has("key")).as("bulk failures carry no key").isFalse();
    Res context = single(key, "everyone", "\"u1\"");
    assertThat(context.status()).isEqualTo(400);
    assertThat(context.json().get("errorCode").asText()).isEqualTo("INVALID_CONTEXT");
    Res targeting = single(key, "everyone", "{\"targetingKey\":42}");
    assertThat(targeting.status()).isEqualTo(400);
    assertThat(targeting.json().get("errorCode").asText()).isEqualTo("INVALID_CONTEXT");
    assertThat(targeting.json().get("errorDetails").asText()).contains("targetingKey");
    Res deep = single(key, "everyone", "[".repeat(5000) + "]".repeat(5000));
    assertThat(deep.status()).isEqualTo(400);
    assertThat(deep.json().get("errorCode").asText()).isEqualTo("PARSE_ERROR");
    Res big = single(key, "everyone", "{\"a\":\"" + "x".repeat(HttpApi.MAX_BODY_BYTES) + "\"}");
    assertThat(big.status()).isEqualTo(413);
    assertThat(big.json().has("errorCode")).isTrue();
    TestServer.Response get = server.call("GET", "/ofrep/v1/evaluate/flags/everyone", null, null);
    assertThat(get.status()).isEqualTo(405);
    assertThat(get.json().get("errorCode").asText()).isEqualTo("GENERAL");
    TestServer.Response preflight = server.call("OPTIONS", "/ofrep/v1/evaluate/flags", null, null);
    assertThat(preflight.status()).isEqualTo(204);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElseThrow()).contains("X-API-Key");
  }

  @Test
  void rateLimit_429WithRetryAfter() {
    server = new TestServer(b -> b.ofrepRateLimit(0.01, 2));
    String key = seed();
    assertThat(single(key, "everyone", "{}").status()).isEqualTo(200);
    assertThat(single(key, "everyone", "{}").status()).isEqualTo(200);
    Res limited = single(key, "everyone", "{}");
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.json().get("errorCode").asText()).isEqualTo("GENERAL");
    long retryAfter = Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow());
    // One token at 0.01/s takes up to 100 s.
    assertThat(retryAfter).isBetween(1L, 100L);
    assertThat(post("/ofrep/v1/evaluate/flags", "{}", "X-API-Key", key).status()).as("bulk shares the bucket")
        .isEqualTo(429);
  }
}
