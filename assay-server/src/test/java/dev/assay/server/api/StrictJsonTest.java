package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * JSON that the parser reads but the model must refuse (numbers a double cannot hold), malformed
 * bodies described without parser internals, and the endpoints that used to let either through
 * (OFREP, the experiment refresh).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StrictJsonTest {
  private TestServer t;
  private String clientKey;

  @BeforeAll
  void start() {
    t = new TestServer();
    t.admin("POST", "/api/v1/experiments",
        "{\"key\":\"e\",\"variants\":[{\"key\":\"a\",\"weight\":0.5},{\"key\":\"b\",\"weight\":0.5}]}");
    clientKey = t.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
        .json().get("key").asText();
  }

  @AfterAll
  void stop() {
    t.close();
  }

  @ParameterizedTest(name = "{0} {2}")
  @CsvSource(delimiter = '|', value = {
      "/api/v1/flags|{\"key\":\"n\",\"type\":\"number\",\"defaultValue\":1e999}|defaultValue",
      "/api/v1/flags|{\"key\":\"n\",\"type\":\"number\",\"defaultValue\":-1e999}|defaultValue",
      "/api/v1/flags|{\"key\":\"n\",\"type\":\"number\",\"defaultValue\":1,\"environments\":{\"production\":{\"rules\":[{\"value\":1e999}]}}}|environments.production.rules[0].value",
      "/api/v1/flags|{\"key\":\"j\",\"type\":\"json\",\"defaultValue\":{\"a\":[1,2e400]}}|defaultValue.a[1]",
      "/api/v1/experiments|{\"key\":\"x\",\"variants\":[{\"key\":\"a\",\"weight\":0.5,\"value\":1e999},{\"key\":\"b\",\"weight\":0.5}]}|variants[0].value",
      "/api/v1/experiments|{\"key\":\"x\",\"variants\":[{\"key\":\"a\",\"weight\":1e999},{\"key\":\"b\",\"weight\":0.5}]}|variants[0].weight",
      "/api/v1/experiments|{\"key\":\"x\",\"analysis\":{\"alpha\":1e999},\"variants\":[{\"key\":\"a\",\"weight\":0.5},{\"key\":\"b\",\"weight\":0.5}]}|analysis.alpha",
      "/api/v1/experiments|{\"key\":\"x\",\"metrics\":{\"guardrails\":[{\"metric\":\"m\",\"threshold\":1e999}]},\"variants\":[{\"key\":\"a\",\"weight\":0.5},{\"key\":\"b\",\"weight\":0.5}]}|metrics.guardrails[0].threshold",
      "/api/v1/metrics|{\"key\":\"m\",\"type\":\"mean\",\"event\":\"buy\",\"capping\":1e999}|capping",
      "/api/v1/metrics|{\"key\":\"m\",\"type\":\"mean\",\"event\":\"buy\",\"conversionWindowHours\":1e999}|conversionWindowHours",
      "/api/v1/segments|{\"key\":\"s\",\"condition\":{\"age\":{\"$gt\":1e999}}}|condition.age.$gt"})
  void create_nonFiniteNumber_400NamingTheField(String path, String body, String field) {
    TestServer.Response r = t.admin("POST", path, body);
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.json().at("/error/details/0/field").asText()).isEqualTo(field);
    assertThat(r.json().at("/error/details/0/message").asText()).contains("finite");
    String key = path.endsWith("flags") ? body.contains("\"j\"") ? "j" : "n" : path.endsWith("metrics") ? "m"
        : path.endsWith("segments") ? "s" : "x";
    assertThat(t.admin("GET", path + "/" + key, null).status()).as("nothing was created").isEqualTo(404);
  }

  @Test
  void malformedBody_errorGivesLineColumnAndExpectation_withoutParserInternals() {
    TestServer.Response r = t.admin("POST", "/api/v1/flags", "{\"key\":\"k\",\n \"type\": ]");
    assertThat(r.status()).isEqualTo(400);
    String message = r.json().at("/error/message").asText();
    assertThat(message).startsWith("request body is not valid JSON at line 2, column").contains("expected");
    assertThat(r.body()).doesNotContain("REDACTED").doesNotContain("Feature").doesNotContain("Source")
        .doesNotContain("jackson");
    TestServer.Response trailing = t.admin("POST", "/api/v1/flags", "{\"key\":\"k\",\"type\":\"boolean\"} {}");
    assertThat(trailing.status()).isEqualTo(400);
    assertThat(trailing.json().at("/error/message").asText()).contains("expected the end of input")
        .doesNotContain("Trailing token").doesNotContain("DeserializationFeature");
    assertThat(t.admin("GET", "/api/v1/flags/k", null).status()).isEqualTo(404);
  }

  @Test
  void refresh_malformedBodyOrFields_400() {
    TestServer.Response malformed = t.admin("POST", "/api/v1/experiments/e/refresh", "{not json");
    assertThat(malformed.status()).as(malformed.body()).isEqualTo(400);
    assertThat(malformed.json().at("/error/code").asText()).isEqualTo("malformed_json");
    TestServer.Response field = t.admin("POST", "/api/v1/experiments/e/refresh", "{\"dimensions\":\"country\"}");
    assertThat(field.status()).as(field.body()).isEqualTo(400);
    assertThat(field.json().at("/error/details/0/field").asText()).isEqualTo("dimensions");
  }

  @Test
  void ofrep_wrongContentTypeTrailingDataAndNonFinite_rejected() {
    String path = "/ofrep/v1/evaluate/flags";
    TestServer.Response plain = t.send("POST", path, clientKey, "text/plain", "{\"context\":{}}".getBytes(StandardCharsets.UTF_8));
    assertThat(plain.status()).as(plain.body()).isEqualTo(415);
    assertThat(plain.json().path("errorDetails").asText()).contains("application/json");
    TestServer.Response trailing = t.send("POST", path, clientKey, "application/json",
        "{\"context\":{}} garbage".getBytes(StandardCharsets.UTF_8));
    assertThat(trailing.status()).as(trailing.body()).isEqualTo(400);
    assertThat(trailing.json().path("errorCode").asText()).isEqualTo("PARSE_ERROR");
    assertThat(trailing.body()).doesNotContain("REDACTED").doesNotContain("Feature");
    TestServer.Response infinite = t.send("POST", path, clientKey, "application/json",
        "{\"context\":{\"score\":1e999}}".getBytes(StandardCharsets.UTF_8));
    assertThat(infinite.status()).as(infinite.body()).isEqualTo(400);
    assertThat(infinite.json().path("errorCode").asText()).isEqualTo("INVALID_CONTEXT");
    assertThat(infinite.json().path("errorDetails").asText()).contains("context.score");
    TestServer.Response empty = t.send("POST", path, clientKey, null, null);
    assertThat(empty.status()).as("no body is still fine").isEqualTo(200);
  }
}
