package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every route of the OpenAPI document with hostile input, as admin (so authorization is never the
 * reason): non-finite numbers, 1 MB strings, 10,000 levels of nesting, NUL bytes, wrong content
 * types, trailing data after the JSON. Each answer is a JSON 4xx (the management error shape, or
 * OFREP's {@code errorCode}), never a 5xx or a stack trace, and the store is unchanged afterwards.
 * A route of the document without a sweep entry fails {@link #everyDocumentedRoute_hasASweepEntry}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class BadInputSweepTest {
  private TestServer t;
  private String clientKey;
  private String before;
  private final AtomicInteger tried = new AtomicInteger();
  private final AtomicInteger serverErrors = new AtomicInteger();

  @BeforeAll
  void start() {
    t = new TestServer();
    t.admin("POST", "/api/v1/experiments",
        "{\"key\":\"e\",\"variants\":[{\"key\":\"a\",\"weight\":0.5},{\"key\":\"b\",\"weight\":0.5}]}");
    t.admin("POST", "/api/v1/flags", "{\"key\":\"f\",\"type\":\"string\",\"defaultValue\":\"x\"}");
    clientKey = t.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
        .json().get("key").asText();
    before = storeState();
  }

  @AfterAll
  void stop() {
    System.out.println("bad-input sweep: " + tried.get() + " requests tried, " + serverErrors.get() + " answered 5xx");
    t.close();
  }

  private static final String HUGE = "x".repeat(300_000);
  private static final String MEGABYTE = "m".repeat(1_000_000);
  private static final String DEEP = "[".repeat(10_000) + "]".repeat(10_000);

  /** Hostile bodies; every JSON endpoint must reject each with a 4xx. */
  private static final List<String> BAD_BODIES = List.of(
      "{", "not json", "[]", "42", "null", "\"str\"", "{\"key\":5}", "{\"key\":[1]}",
      "{\"version\":\"one\"}", "{\"version\":-1}", "{\"zzz\":1}", "{\"key\":\"" + HUGE + "\"}",
      "{\"key\":\"k\",\"name\":\"" + HUGE + "\"}", "{\"key\":\"bad key with spaces\"}",
      "{\"key\":\"k\",\"variants\":{\"a\":1}}", "{\"key\":\"k\",\"type\":true}",
      "{\"a\":" + "[".repeat(5_000) + "]".repeat(5_000) + "}", "{\"key\":\"k\",\"key\":\"j\"}",
      // non-finite numbers
      "{\"key\":\"n1\",\"type\":\"number\",\"defaultValue\":1e999}", "{\"zzz\":-1e999}", "{\"version\":1e999}",
      "{\"key\":\"n2\",\"type\":\"number\",\"defaultValue\":NaN}", "{\"decision\":{\"x\":Infinity}}",
      // 1 MB strings, deep nesting, NUL bytes, trailing data
      "{\"key\":\"k\",\"description\":\"" + MEGABYTE + "\"}", "{\"key\":\"" + MEGABYTE + "\"}", DEEP, "{\"a\":" + DEEP + "}",
      "{\"key\":\"k\u0000\"}", "{\"key\":\"k\\u0000\"}", "\u0000", "{\"zzz\":1}\u0000",
      "{\"zzz\":1} trailing", "{\"zzz\":1}{\"zzz\":2}", "{\"zzz\":1}]", "{\"zzz\":1} 42");

  /** Hostile OFREP bodies (the body is optional there, so an empty object is fine and is not listed). */
  private static final List<String> BAD_OFREP_BODIES = List.of(
      "{", "[]", "42", "{\"context\":5}", "{\"context\":{\"targetingKey\":7}}", "{\"context\":{\"x\":1e999}}",
      "{\"context\":{\"x\":NaN}}", "{\"context\":{}} trailing", "{\"context\":{}}{}", "{\"context\":" + DEEP + "}",
      "{\"context\":{\"a\":\"k\u0000\"}}", "\u0000");

  /** How each route of the document is swept; a route missing here fails the coverage test. */
  private Map<String, Sweep> sweeps() {
    Map<String, Sweep> m = new LinkedHashMap<>();
    m.put("GET /api/features/{clientKey}", this::payloadRoute);
    m.put("GET /sub/{clientKey}", this::streamRoute);
    m.put("POST " + OfrepApi.SINGLE, r -> ofrep("/ofrep/v1/evaluate/flags/f"));
    m.put("POST " + OfrepApi.BULK, r -> ofrep("/ofrep/v1/evaluate/flags"));
    m.put("GET /health/live", r -> probe("/health/live"));
    m.put("GET /health/ready", r -> probe("/health/ready"));
    m.put("GET /metrics", r -> probe("/metrics"));
    m.put("POST /api/v1/events", r -> ingestion());
    m.put("OPTIONS " + OfrepApi.SINGLE, r -> preflight("/ofrep/v1/evaluate/flags/f"));
    m.put("OPTIONS " + OfrepApi.BULK, r -> preflight("/ofrep/v1/evaluate/flags"));
    m.put("OPTIONS /api/features/{clientKey}", r -> preflight("/api/features/" + clientKey));
    m.put("OPTIONS /sub/{clientKey}", r -> preflight("/sub/" + clientKey));
    m.put("OPTIONS /api/v1/events", r -> preflight("/api/v1/events"));
    m.put("GET " + HttpApi.PREFIX + "/openapi.json", r -> probe(HttpApi.PREFIX + "/openapi.json"));
    return m;
  }

  @FunctionalInterface
  interface Sweep {
    void run(String route);
  }

  /** Every (method, path) of the OpenAPI document (absolute paths). */
  private static List<String> documentedRoutes() {
    try (TestServer s = new TestServer()) {
      JsonNode paths = s.call("GET", "/api/v1/openapi.json", null, null).json().path("paths");
      List<String> out = new ArrayList<>();
      paths.fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(method -> {
        if (!method.equals("servers")) {
          out.add(method.toUpperCase(Locale.ROOT) + " " + p.getKey());
        }
      }));
      return out;
    }
  }

  Stream<Arguments> managementRoutes() {
    return documentedRoutes().stream().filter(r -> !sweeps().containsKey(r)).map(r -> {
      String[] mp = r.split(" ", 2);
      return Arguments.of(mp[0], mp[1]);
    });
  }

  Stream<String> deliveryRoutes() {
    return sweeps().keySet().stream();
  }

  @Test
  @Order(1)
  void everyDocumentedRoute_hasASweepEntry() {
    Set<String> unswept = new TreeSet<>();
    for (String route : documentedRoutes()) {
      String[] mp = route.split(" ", 2);
      boolean management = mp[1].startsWith(HttpApi.PREFIX + "/");
      if (!sweeps().containsKey(route) && !(management && isManagementSweepable(mp[0]))) {
        unswept.add(route);
      }
    }
    assertThat(unswept).as("routes of the OpenAPI document with no sweep entry").isEmpty();
    assertThat(documentedRoutes()).as("the document lists the delivery routes the sweep knows")
        .containsAll(sweeps().keySet());
  }

  private static boolean isManagementSweepable(String method) {
    return Set.of("GET", "DELETE", "POST", "PUT", "PATCH").contains(method);
  }

  private TestServer.Response send(String method, String path, String token, String type, byte[] body) {
    TestServer.Response r = t.send(method, path, token, type, body);
    tried.incrementAndGet();
    if (r.status() >= 500) {
      serverErrors.incrementAndGet();
    }
    return r;
  }

  private TestServer.Response admin(String method, String path, String json) {
    return send(method, path, TestServer.ADMIN_TOKEN, json == null ? null : "application/json",
        json == null ? null : json.getBytes(StandardCharsets.UTF_8));
  }

  private static void assertJsonClientError(TestServer.Response r, String what) {
    assertThat(r.status()).as(what + " -> " + abbreviate(r.body())).isBetween(400, 499);
    JsonNode err = r.json().path("error");
    assertThat(err.path("code").isTextual()).as(what + " code").isTrue();
    assertThat(err.path("message").asText()).as(what + " message").isNotBlank();
    assertThat(err.path("details").isArray()).as(what + " details").isTrue();
    assertNoInternals(r, what);
  }

  private static void assertOfrepClientError(TestServer.Response r, String what) {
    assertThat(r.status()).as(what + " -> " + abbreviate(r.body())).isBetween(400, 499);
    assertThat(r.json().path("errorCode").isTextual()).as(what + " errorCode").isTrue();
    assertThat(r.json().path("errorDetails").asText()).as(what + " errorDetails").isNotBlank();
    assertNoInternals(r, what);
  }

  private static void assertNoInternals(TestServer.Response r, String what) {
    assertThat(r.body()).as(what).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("jackson")
        .doesNotContain("REDACTED").doesNotContain("Feature").doesNotContain("SQL");
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("managementRoutes")
  @Order(2)
  void managementRoute_hostileInput_getsJson4xx(String method, String template) {
    for (String key : List.of("missing-key", "e", "f")) {
      String path = template.replace("{key}", key).replace("{id}", "key_missing").replace("{kind}", key)
          .replace("{n}", "1");
      if (method.equals("GET") || method.equals("DELETE")) {
        if (template.contains("{")) {
          var r = admin(method, path + (key.equals("missing-key") || template.contains("{id}") ? "" : "?version=99"), null);
          if (key.equals("missing-key") || method.equals("DELETE")) {
            assertJsonClientError(r, method + " " + path);
          }
        }
        for (String query : List.of("?project=bad%20project&version=x&limit=-1&from=yesterday&kind=zzz",
            "?version=1e999&limit=NaN&history=1e999&phase=Infinity", "?project=%00&key=%00&limit=%00",
            "?key=" + "q".repeat(6_000))) {
          var badQuery = admin(method, path + query, null);
          if (badQuery.status() != 200) {
            assertJsonClientError(badQuery, method + " " + path + " " + abbreviate(query));
          }
        }
        continue;
      }
      for (String body : BAD_BODIES) {
        assertJsonClientError(admin(method, path, body), method + " " + path + " body " + abbreviate(body));
      }
      for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "application/xml")) {
        assertJsonClientError(send(method, path, TestServer.ADMIN_TOKEN, type, "{}".getBytes(StandardCharsets.UTF_8)),
            method + " " + path + " " + type);
      }
      /* The as-code routes take files up to HttpApi.MAX_FILES_BYTES; the others JSON up to MAX_BODY_BYTES. */
      int over = (path.contains("/as-code/") ? HttpApi.MAX_FILES_BYTES : HttpApi.MAX_BODY_BYTES) + 1;
      var tooBig = send(method, path, TestServer.ADMIN_TOKEN, "application/json",
          ("{\"key\":\"" + "y".repeat(over) + "\"}").getBytes(StandardCharsets.UTF_8));
      assertThat(tooBig.status()).as(method + " " + path + " oversized").isEqualTo(413);
      assertJsonClientError(tooBig, "oversized");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deliveryRoutes")
  @Order(3)
  void deliveryRoute_hostileInput_getsClientError(String route) {
    sweeps().get(route).run(route);
  }

  private void payloadRoute(String route) {
    for (String key : List.of("sdk-nope", "%00", "k".repeat(6_000), "1e999")) {
      assertJsonClientError(send("GET", "/api/features/" + key, null, null, null), route + " " + abbreviate(key));
    }
  }

  private void streamRoute(String route) {
    for (String key : List.of("sdk-nope", "%00", "1e999")) {
      assertJsonClientError(send("GET", "/sub/" + key, null, null, null), route + " " + key);
    }
  }

  private void ofrep(String path) {
    for (String body : BAD_OFREP_BODIES) {
      assertOfrepClientError(send("POST", path, clientKey, "application/json", body.getBytes(StandardCharsets.UTF_8)),
          path + " body " + abbreviate(body));
    }
    for (String type : List.of("text/plain", "application/xml")) {
      assertOfrepClientError(send("POST", path, clientKey, type, "{\"context\":{}}".getBytes(StandardCharsets.UTF_8)),
          path + " " + type);
    }
    assertOfrepClientError(send("POST", path, clientKey, "application/json",
        ("{\"context\":{\"a\":\"" + "z".repeat(2 << 20) + "\"}}").getBytes(StandardCharsets.UTF_8)), path + " oversized");
  }

  /* CORS preflights: hostile request headers are answered without a 5xx. */
  private void preflight(String path) {
    for (String[] h : new String[][] {{"Origin", "null"}, {"Origin", "http://" + "o".repeat(6_000)},
        {"Access-Control-Request-Method", "DELETE"}, {"Access-Control-Request-Headers", "x-" + "h,".repeat(2_000)}}) {
      java.net.http.HttpRequest.Builder b = java.net.http.HttpRequest.newBuilder(
          java.net.URI.create("http://127.0.0.1:" + t.port() + path)).header(h[0], h[1])
          .method("OPTIONS", java.net.http.HttpRequest.BodyPublishers.noBody());
      try {
        int status = java.net.http.HttpClient.newHttpClient().send(b.build(),
            java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
        tried.incrementAndGet();
        if (status >= 500) {
          serverErrors.incrementAndGet();
        }
        assertThat(status).as("OPTIONS " + path + " " + h[0]).isLessThan(500);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private void probe(String path) {
    // Probes take no input: hostile query strings and bodies change nothing and never fail the server.
    for (String query : List.of("?x=1e999", "?x=%00", "?x=" + "q".repeat(6_000))) {
      assertThat(send("GET", path + query, null, null, null).status()).as(path + query).isLessThan(500);
    }
  }

  private void ingestion() {
    String event = "{\"id\":\"a\",\"type\":\"metric\",\"unitId\":\"u\",\"name\":\"n\",\"timestamp\":1700000000000";
    for (String body : List.of("{", "[" + event + "}] trailing", "[" + event + "}]{}", DEEP, "\u0000", "[]]",
        "{\"a\":NaN}", "[" + event + ",\"value\":NaN}]")) {
      var r = send("POST", "/api/v1/events", clientKey, "application/json", body.getBytes(StandardCharsets.UTF_8));
      assertJsonClientError(r, "POST /events " + abbreviate(body));
    }
    // A batch is valid JSON here: each bad event is rejected on its own (200, nothing accepted), naming the field.
    // Out-of-range numbers in a value or property reject the whole batch, naming the event and field.
    for (String body : List.of("[" + event + ",\"value\":1e999}]", "[" + event + ",\"value\":1e308}]",
        "[" + event + ",\"properties\":{\"x\":-1e300}}]", "[" + event + ",\"properties\":{\"x\":-1e999}}]",
        "[" + event + ",\"properties\":{\"x\":{\"y\":[1e999]}}}]")) {
      var r = send("POST", "/api/v1/events", clientKey, "application/json", body.getBytes(StandardCharsets.UTF_8));
      assertThat(r.status()).as("POST /events " + abbreviate(body) + " -> " + r.body()).isEqualTo(400);
      assertThat(r.json().at("/error/code").asText()).isEqualTo("value_out_of_range");
      assertThat(r.json().at("/error/details/0/field").asText()).startsWith("events[0].");
      assertNoInternals(r, "POST /events " + abbreviate(body));
    }
    for (String body : List.of("[1e999]",
        "[" + event.replace("\"u\"", "\"u\\u0000" + MEGABYTE.substring(0, 300) + "\"") + "}]")) {
      var r = send("POST", "/api/v1/events", clientKey, "application/json", body.getBytes(StandardCharsets.UTF_8));
      assertThat(r.status()).as("POST /events " + abbreviate(body) + " -> " + r.body()).isEqualTo(200);
      assertThat(r.json().path("accepted").asInt()).as(abbreviate(body)).isZero();
      assertThat(r.json().path("rejected")).as(abbreviate(body)).hasSize(1);
      assertNoInternals(r, "POST /events " + abbreviate(body));
    }
    for (String type : List.of("text/plain", "application/xml")) {
      assertJsonClientError(send("POST", "/api/v1/events", clientKey, type, "[]".getBytes(StandardCharsets.UTF_8)),
          "POST /events " + type);
    }
  }

  @Test
  @Order(4)
  void afterTheSweep_theStoreIsUnchanged() {
    assertThat(storeState()).isEqualTo(before);
  }

  /* Everything a rejected request could have changed: audit entries, flags, experiments, connections. */
  private String storeState() {
    StringBuilder sb = new StringBuilder();
    for (String path : List.of("/api/v1/audit?limit=1000", "/api/v1/flags", "/api/v1/experiments",
        "/api/v1/sdk-connections", "/api/v1/metrics", "/api/v1/segments", "/api/v1/projects")) {
      TestServer.Response r = t.admin("GET", path, null);
      sb.append(path).append(' ').append(r.status()).append('\n');
      for (JsonNode item : r.json().path("items")) {
        // An erasure or export request is audited even when the unit has no events (docs/api.md,
        // docs/privacy.md): by design, not a change.
        if ((item.path("action").asText().equals("erase") || item.path("action").asText().equals("export"))
            && item.path("kind").asText().equals("events")) {
          continue;
        }
        sb.append("  ").append(item.has("seq") ? item.path("seq") + " " + item.path("action") + " " + item.path("kind")
            + " " + item.path("key") : item.toString()).append('\n');
      }
    }
    return sb.toString();
  }

  private static String abbreviate(String s) {
    return s.length() > 60 ? s.substring(0, 60) + "..." : s;
  }
}
