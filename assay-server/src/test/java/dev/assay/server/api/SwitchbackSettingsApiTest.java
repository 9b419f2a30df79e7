package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Switchback settings on the experiment: defaults, precise 400s naming {@code switchback.<field>},
 * the payload's hash attribute, YAML in snake_case, and the analysis endpoint before any data.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SwitchbackSettingsApiTest {
  private TestServer server;

  @BeforeAll
  void start() {
    server = new TestServer();
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private static String experiment(String key, String type, String switchback) {
    return """
        {"key":"%s","type":"%s","variants":[{"key":"a","weight":0.5},{"key":"b","weight":0.5}]%s}"""
        .formatted(key, type, switchback == null ? "" : ",\"switchback\":" + switchback);
  }

  @Test
  void switchbackType_getsDefaultSettings_theUnitAttribute_andAnEmptyAnalysis() {
    TestServer.Response r = server.admin("POST", "/api/v1/experiments", experiment("s1", "switchback", null));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    assertThat(r.json().at("/switchback/windowSeconds").asLong()).isEqualTo(3600);
    assertThat(r.json().at("/switchback/regionAttribute").asText()).isEqualTo("region");
    assertThat(r.json().at("/switchback/burnInSeconds").asLong()).isZero();
    assertThat(r.json().at("/switchback/start").isMissingNode() || r.json().at("/switchback/start").isNull()).isTrue();
    assertThat(r.json().at("/hashAttribute").asText()).isEqualTo("switchback_unit");
    TestServer.Response a = server.admin("GET", "/api/v1/experiments/s1/switchback", null);
    assertThat(a.status()).as(a.body()).isEqualTo(200);
    assertThat(a.json().at("/unitAttribute").asText()).isEqualTo("switchback_unit");
    assertThat(a.json().has("comparisons")).isFalse();
  }

  @Test
  void payload_hashesTheSwitchbackUnit() {
    String clientKey = server.admin("POST", "/api/v1/sdk-connections",
        "{\"name\":\"web\",\"environment\":\"production\"}").json().get("key").asText();
    assertThat(server.admin("POST", "/api/v1/experiments", experiment("s2", "switchback",
        "{\"windowSeconds\":1800,\"burnInSeconds\":300}")).status()).isEqualTo(201);
    assertThat(server.admin("POST", "/api/v1/flags", """
        {"key":"s2-flag","type":"string","defaultValue":"a",
         "environments":{"production":{"rules":[{"experiment":"s2"}]}}}""").status()).isEqualTo(201);
    assertThat(server.admin("POST", "/api/v1/experiments/s2/start", "{}").status()).isEqualTo(200);
    long deadline = System.nanoTime() + 10_000_000_000L;
    JsonNode rule = null;
    while (System.nanoTime() < deadline && (rule == null || rule.isMissingNode())) {
      rule = server.call("GET", "/api/features/" + clientKey, null, null).json().at("/features/s2-flag/rules/0");
    }
    assertThat(rule.path("hashAttribute").asText()).as(String.valueOf(rule)).isEqualTo("switchback_unit");
    assertThat(rule.has("fallbackAttribute")).isFalse();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"windowSeconds\":59}|switchback.windowSeconds",
      "{\"windowSeconds\":604801}|switchback.windowSeconds",
      "{\"burnInSeconds\":-1}|switchback.burnInSeconds",
      "{\"windowSeconds\":600,\"burnInSeconds\":600}|switchback.burnInSeconds",
      "{\"regionAttribute\":\"\"}|switchback.regionAttribute",
      "{\"start\":\"yesterday\"}|switchback.start",
      "{\"start\":\"2200-01-01T00:00:00Z\"}|switchback.start",
      "{\"windowSeconds\":\"hourly\"}|switchback.windowSeconds",
      "{\"unknown\":1}|switchback.unknown",
      "\"hourly\"|switchback"})
  void badSettings_are400NamingTheField(String switchback, String field) {
    TestServer.Response r = server.admin("POST", "/api/v1/experiments", experiment("bad", "switchback", switchback));
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.body()).contains(field);
  }

  @Test
  void anotherHashAttribute_orSettingsOnAnotherType_are400() {
    TestServer.Response hash = server.admin("POST", "/api/v1/experiments", experiment("h", "switchback", null)
        .replace("\"variants\"", "\"hashAttribute\":\"id\",\"variants\""));
    assertThat(hash.status()).as(hash.body()).isEqualTo(400);
    assertThat(hash.body()).contains("hashAttribute").contains("switchback_unit");
    TestServer.Response ab = server.admin("POST", "/api/v1/experiments", experiment("ab", "ab", "{}"));
    assertThat(ab.status()).as(ab.body()).isEqualTo(400);
    assertThat(ab.body()).contains("only for experiments of type 'switchback'");
    assertThat(server.admin("POST", "/api/v1/experiments", experiment("ab2", "ab", null)).status()).isEqualTo(201);
    assertThat(server.admin("GET", "/api/v1/experiments/ab2/switchback", null).status()).isEqualTo(409);
    assertThat(server.admin("GET", "/api/v1/experiments/nope/switchback", null).status()).isEqualTo(404);
  }

  @Test
  void asCode_switchbackSettingsInSnakeCase_applyThenUnchanged_andBadValuesNamedInFileTerms() {
    String file = """
        kind: experiment
        name: yaml-switchback
        type: switchback
        variants:
          - {name: a, allocation: 50%}
          - {name: b, allocation: 50%}
        switchback:
          window_seconds: 1800
          region_attribute: city
          burn_in_seconds: 300
          start: "2026-01-15T00:00:00Z"
        """;
    TestServer.Response applied = yaml("/api/v1/as-code/apply", file);
    assertThat(applied.status()).as(applied.body()).isEqualTo(200);
    JsonNode e = server.admin("GET", "/api/v1/experiments/yaml-switchback", null).json();
    assertThat(e.at("/switchback/windowSeconds").asLong()).isEqualTo(1800);
    assertThat(e.at("/switchback/regionAttribute").asText()).isEqualTo("city");
    assertThat(e.at("/switchback/start").asText()).isEqualTo("2026-01-15T00:00:00Z");
    TestServer.Response again = yaml("/api/v1/as-code/plan", file);
    assertThat(again.json().at("/summary/unchanged").asInt()).as(again.body()).isEqualTo(1);
    TestServer.Response bad = yaml("/api/v1/as-code/plan", file.replace("burn_in_seconds: 300",
        "burn_in_seconds: 1800"));
    assertThat(bad.status()).as(bad.body()).isEqualTo(400);
    assertThat(bad.body()).contains("switchback.burn_in_seconds");
  }

  private TestServer.Response yaml(String path, String yaml) {
    return server.send("POST", path, TestServer.ADMIN_TOKEN, "application/yaml", yaml.getBytes(StandardCharsets.UTF_8));
  }
}
