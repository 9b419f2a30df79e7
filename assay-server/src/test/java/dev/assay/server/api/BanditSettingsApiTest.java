package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bandit settings on the experiment: defaults, precise 400s naming the field, the weight history endpoint. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BanditSettingsApiTest {
  private TestServer server;

  @BeforeAll
  void start() {
    server = new TestServer();
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private static String experiment(String key, String type, String bandit) {
    return """
        {"key":"%s","type":"%s","variants":[{"key":"a","weight":0.5},{"key":"b","weight":0.5}]%s}"""
        .formatted(key, type, bandit == null ? "" : ",\"bandit\":" + bandit);
  }

  @Test
  void banditType_getsDefaultSettings_andAnEmptyHistory() {
    TestServer.Response r = server.admin("POST", "/api/v1/experiments", experiment("b1", "bandit", null));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    assertThat(r.json().at("/bandit/burnInUnits").asLong()).isEqualTo(100);
    assertThat(r.json().at("/bandit/minWeight").asDouble()).isEqualTo(0.01);
    assertThat(r.json().at("/bandit/maxChange").asDouble()).isEqualTo(0.2);
    assertThat(r.json().at("/bandit/updateIntervalSeconds").asLong()).isEqualTo(3600);
    assertThat(r.json().at("/bandit/topTwo").asBoolean()).isFalse();
    TestServer.Response h = server.admin("GET", "/api/v1/experiments/b1/bandit", null);
    assertThat(h.status()).as(h.body()).isEqualTo(200);
    assertThat(h.json().at("/series/weights/a").size()).isZero();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"burnInUnits\":-1}|bandit.burnInUnits",
      "{\"minWeight\":0.7}|bandit.minWeight",
      "{\"minWeight\":0.5}|bandit.minWeight",
      "{\"maxChange\":0}|bandit.maxChange",
      "{\"updateIntervalSeconds\":0}|bandit.updateIntervalSeconds",
      "{\"updateIntervalSeconds\":99999999}|bandit.updateIntervalSeconds",
      "{\"topTwo\":\"yes\"}|bandit.topTwo",
      "{\"unknown\":1}|bandit.unknown",
      "\"fast\"|bandit"})
  void badSettings_are400NamingTheField(String bandit, String field) {
    TestServer.Response r = server.admin("POST", "/api/v1/experiments", experiment("bad", "bandit", bandit));
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.body()).contains(field);
  }

  private TestServer.Response yaml(String path, String yaml) {
    return server.send("POST", path, TestServer.ADMIN_TOKEN, "application/yaml",
        yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void asCode_banditSettingsInSnakeCase_applyThenUnchanged_andBadValuesNamedInFileTerms() {
    String file = """
        kind: experiment
        name: yaml-bandit
        type: bandit
        variants:
          - {name: a, allocation: 50%}
          - {name: b, allocation: 50%}
        bandit:
          burn_in_units: 200
          min_weight: 0.05
          max_change: 0.1
          update_interval_seconds: 600
          top_two: true
        """;
    TestServer.Response applied = yaml("/api/v1/as-code/apply", file);
    assertThat(applied.status()).as(applied.body()).isEqualTo(200);
    var e = server.admin("GET", "/api/v1/experiments/yaml-bandit", null).json();
    assertThat(e.at("/bandit/burnInUnits").asLong()).isEqualTo(200);
    assertThat(e.at("/bandit/topTwo").asBoolean()).isTrue();
    TestServer.Response again = yaml("/api/v1/as-code/plan", file);
    assertThat(again.json().at("/summary/unchanged").asInt()).as(again.body()).isEqualTo(1);
    TestServer.Response bad = yaml("/api/v1/as-code/plan", file.replace("min_weight: 0.05", "min_weight: 0.9"));
    assertThat(bad.status()).as(bad.body()).isEqualTo(400);
    assertThat(bad.body()).contains("bandit.min_weight");
  }

  @Test
  void settingsOnAnotherType_are400() {
    TestServer.Response r = server.admin("POST", "/api/v1/experiments", experiment("ab", "ab", "{}"));
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.body()).contains("bandit").contains("only for experiments of type 'bandit'");
    assertThat(server.admin("POST", "/api/v1/experiments", experiment("ab2", "ab", null)).status()).isEqualTo(201);
    assertThat(server.admin("GET", "/api/v1/experiments/ab2/bandit", null).status()).isEqualTo(409);
    assertThat(server.admin("GET", "/api/v1/experiments/nope/bandit", null).status()).isEqualTo(404);
  }
}
