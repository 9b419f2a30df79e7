package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every endpoint with hostile input, as admin (so authorization is never the reason): each answer is
 * a JSON 4xx {@code {"error": {"code", "message", "details"}}}, never a 500.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputSweepTest {
  private TestServer t;

  @BeforeAll
  void start() {
    t = new TestServer();
    t.admin("POST", "/api/v1/experiments",
        "{\"key\":\"e\",\"variants\":[{\"key\":\"a\",\"weight\":0.5},{\"key\":\"b\",\"weight\":0.5}]}");
    t.admin("POST", "/api/v1/flags", "{\"key\":\"f\",\"type\":\"string\",\"defaultValue\":\"x\"}");
  }

  @AfterAll
  void stop() {
    t.close();
  }

  private static final String HUGE = "x".repeat(300_000);

  /** Bodies every JSON endpoint must reject with a 4xx. */
  private static final List<String> BAD_BODIES = List.of(
      "{", "not json", "[]", "42", "null", "\"str\"", "{\"key\":5}", "{\"key\":[1]}",
      "{\"version\":\"one\"}", "{\"version\":-1}", "{\"zzz\":1}", "{\"key\":\"" + HUGE + "\"}",
      "{\"key\":\"k\",\"name\":\"" + HUGE + "\"}", "{\"key\":\"bad key with spaces\"}",
      "{\"key\":\"k\",\"variants\":{\"a\":1}}", "{\"key\":\"k\",\"type\":true}",
      "{\"a\":" + "[".repeat(5_000) + "]".repeat(5_000) + "}", "{\"key\":\"k\",\"key\":\"j\"}");

  Stream<Arguments> endpoints() {
    try (TestServer s = new TestServer()) {
      JsonNode paths = s.call("GET", "/api/v1/openapi.json", null, null).json().path("paths");
      List<Arguments> out = new ArrayList<>();
      // Paths without a required permission (delivery, ingestion, probes) are not management endpoints.
      paths.fields().forEachRemaining(p -> (p.getValue().findValue("x-required-permission") == null ? java.util.Collections.<java.util.Map.Entry<String, JsonNode>>emptyIterator() : p.getValue().fields()).forEachRemaining(
          m -> out.add(Arguments.of(m.getKey().toUpperCase(Locale.ROOT), p.getKey()))));
      return out.stream();
    }
  }

  private static void assertJsonClientError(TestServer.Response r, String what) {
    assertThat(r.status()).as(what + " -> " + r.body()).isBetween(400, 499);
    JsonNode err = r.json().path("error");
    assertThat(err.path("code").isTextual()).as(what + " code").isTrue();
    assertThat(err.path("message").asText()).as(what + " message").isNotBlank();
    assertThat(err.path("details").isArray()).as(what + " details").isTrue();
    assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("endpoints")
  void endpoint_hostileInput_getsJson4xx(String method, String template) {
    for (String key : List.of("missing-key", "e", "f")) {
      String path = template.replace("{key}", key).replace("{id}", "key_missing");
      if (method.equals("GET") || method.equals("DELETE")) {
        if (template.contains("{")) {
          var r = t.admin(method, path + (key.equals("missing-key") || template.contains("{id}") ? "" : "?version=99"), null);
          if (key.equals("missing-key") || method.equals("DELETE")) {
            assertJsonClientError(r, method + " " + path);
          }
        }
        var badQuery = t.admin(method, path + "?project=bad%20project&version=x&limit=-1&from=yesterday&kind=zzz", null);
        if (badQuery.status() != 200) {
          assertJsonClientError(badQuery, method + " " + path + " bad query");
        }
        continue;
      }
      for (String body : BAD_BODIES) {
        assertJsonClientError(t.admin(method, path, body), method + " " + path + " body " + abbreviate(body));
      }
      assertJsonClientError(t.send(method, path, TestServer.ADMIN_TOKEN, "text/plain", "{}".getBytes(StandardCharsets.UTF_8)),
          method + " " + path + " text/plain");
      var tooBig = t.send(method, path, TestServer.ADMIN_TOKEN, "application/json",
          ("{\"key\":\"" + "y".repeat(2 << 20) + "\"}").getBytes(StandardCharsets.UTF_8));
      assertThat(tooBig.status()).as(method + " " + path + " oversized").isEqualTo(413);
      assertJsonClientError(tooBig, "oversized");
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 60 ? s.substring(0, 60) + "..." : s;
  }
}
