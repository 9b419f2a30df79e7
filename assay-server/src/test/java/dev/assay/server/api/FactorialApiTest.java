package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Factorial designs through the API: the cells as variants serving their levels, precise 400s
 * naming {@code factors[i].<field>} or {@code variants[k].<field>}, the as-code file form, and the
 * units-per-cell calculator against values computed outside Assay (SciPy 1.17,
 * {@code n₂ = (norm.ppf(1−α/2) + norm.ppf(power))²·2σ²/δ²}, then n₂/M and 2n₂/M').
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FactorialApiTest {
  private static final String CELLS = """
      [{"key":"blue.small","weight":0.25},{"key":"blue.large","weight":0.25},
       {"key":"red.small","weight":0.25},{"key":"red.large","weight":0.25}]""";
  private static final String FACTORS = """
      [{"key":"color","levels":["blue","red"]},{"key":"size","levels":["small","large"]}]""";
  private TestServer server;

  @BeforeAll
  void start() {
    server = new TestServer();
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private static String experiment(String key, String type, String factors, String variants) {
    return """
        {"key":"%s","type":"%s","factors":%s,"variants":%s}""".formatted(key, type, factors, variants);
  }

  @Test
  void cells_serveTheirLevels_andTheDesignRoundTrips() {
    TestServer.Response r = server.admin("POST", "/api/v1/experiments", experiment("f1", "multivariate", FACTORS, CELLS));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    assertThat(r.json().at("/factors/1/levels/1").asText()).isEqualTo("large");
    assertThat(r.json().at("/variants/2/value").toString()).isEqualTo("{\"color\":\"red\",\"size\":\"small\"}");
    JsonNode stored = server.admin("GET", "/api/v1/experiments/f1", null).json();
    TestServer.Response put = server.admin("PUT", "/api/v1/experiments/f1", stored.toString());
    assertThat(put.status()).as("the stored document is valid as it is: " + put.body()).isEqualTo(200);
    TestServer.Response noResults = server.admin("GET", "/api/v1/experiments/f1/factorial", null);
    assertThat(noResults.status()).as(noResults.body()).isEqualTo(404);
    assertThat(server.admin("POST", "/api/v1/experiments",
        experiment("plain", "multivariate", "[]", CELLS)).status()).isEqualTo(201);
    TestServer.Response plain = server.admin("GET", "/api/v1/experiments/plain/factorial", null);
    assertThat(plain.status()).as(plain.body()).isEqualTo(409);
    assertThat(plain.body()).contains("not_factorial");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "[{\"key\":\"color\",\"levels\":[\"blue\"]},{\"key\":\"size\",\"levels\":[\"small\",\"large\"]}]|factors[0].levels",
      "[{\"key\":\"color\",\"levels\":[\"blue\",\"blue\"]},{\"key\":\"size\",\"levels\":[\"small\",\"large\"]}]"
          + "|factors[0].levels[1]",
      "[{\"key\":\"color\",\"levels\":[\"a\",\"b\",\"c\",\"d\",\"e\"]},{\"key\":\"s\",\"levels\":[\"x\",\"y\"]}]"
          + "|factors[0].levels",
      "[{\"key\":\"color\",\"levels\":[\"blue\",\"red\"]},{\"key\":\"color\",\"levels\":[\"small\",\"large\"]}]"
          + "|factors[1].key",
      "[{\"levels\":[\"blue\",\"red\"]},{\"key\":\"size\",\"levels\":[\"small\",\"large\"]}]|factors[0].key",
      "[{\"key\":\"color\",\"levels\":[\"blue\",\"red\"]}]|factors",
      "[{\"key\":\"color\",\"levels\":[\"blue\",\"red\"],\"colour\":1},{\"key\":\"s\",\"levels\":[\"x\",\"y\"]}]"
          + "|factors[0].colour"})
  void badFactors_are400NamingTheField(String factors, String field) {
    TestServer.Response r = server.admin("POST", "/api/v1/experiments", experiment("bad", "multivariate", factors, CELLS));
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.json().at("/error/details/0/field").asText()).as(r.body()).isEqualTo(field);
  }

  @Test
  void variantsThatAreNotTheCells_are400NamingTheVariant() {
    String swapped = CELLS.replace("blue.small", "tmp").replace("blue.large", "blue.small").replace("tmp", "blue.large");
    assertField(experiment("v1", "multivariate", FACTORS, swapped), "variants[0].key");
    String three = "[{\"key\":\"a\",\"weight\":0.5},{\"key\":\"b\",\"weight\":0.25},{\"key\":\"c\",\"weight\":0.25}]";
    assertField(experiment("v2", "multivariate", FACTORS, three), "variants");
    String unequal = CELLS.replaceFirst("0.25", "0.4").replaceFirst("0.25", "0.1");
    assertField(experiment("v3", "multivariate", FACTORS, unequal), "variants[0].weight");
    String value = CELLS.replaceFirst("\"weight\":0.25}", "\"weight\":0.25,\"value\":\"x\"}");
    assertField(experiment("v4", "multivariate", FACTORS, value), "variants[0].value");
    assertField(experiment("v5", "ab", FACTORS, CELLS), "factors");
  }

  private void assertField(String body, String field) {
    TestServer.Response r = server.admin("POST", "/api/v1/experiments", body);
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.json().at("/error/details/0/field").asText()).as(r.body()).isEqualTo(field);
  }

  @Test
  void asCode_factorsInAFile_applyThenUnchanged() {
    String file = """
        kind: experiment
        name: yaml-factorial
        type: multivariate
        factors:
          - {key: color, levels: [blue, red]}
          - {key: size, levels: [small, large]}
        variants:
          - {name: blue.small, allocation: 25%}
          - {name: blue.large, allocation: 25%}
          - {name: red.small, allocation: 25%}
          - {name: red.large, allocation: 25%}
        """;
    TestServer.Response applied = yaml("/api/v1/as-code/apply", file);
    assertThat(applied.status()).as(applied.body()).isEqualTo(200);
    JsonNode e = server.admin("GET", "/api/v1/experiments/yaml-factorial", null).json();
    assertThat(e.at("/variants/3/value/color").asText()).isEqualTo("red");
    TestServer.Response again = yaml("/api/v1/as-code/plan", file);
    assertThat(again.json().at("/summary/unchanged").asInt()).as(again.body()).isEqualTo(1);
    TestServer.Response bad = yaml("/api/v1/as-code/plan", file.replace("levels: [blue, red]", "levels: [blue]"));
    assertThat(bad.status()).as(bad.body()).isEqualTo(400);
    assertThat(bad.body()).contains("factors[0].levels");
  }

  private TestServer.Response yaml(String path, String yaml) {
    return server.send("POST", path, TestServer.ADMIN_TOKEN, "application/yaml",
        yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void power_perCell_matchesScipy_andTheInteractionNeedsFourTimesTheMainEffect() {
    JsonNode p = ok("/api/v1/power/factorial?levels=2,2&sd=0.3&effect=0.02");
    assertThat(p.get("cells").asInt()).isEqualTo(4);
    assertThat(p.get("effects").asInt()).isEqualTo(3);
    assertThat(p.at("/sizes/0/perCell").asLong()).isEqualTo(1766);
    assertThat(p.at("/sizes/1/perCell").asLong()).isEqualTo(1766);
    assertThat(p.at("/sizes/2/kind").asText()).isEqualTo("interaction");
    assertThat(p.at("/sizes/2/perCell").asLong()).isEqualTo(7064);
    assertThat(p.at("/sizes/0/perCellBonferroni").asLong()).isEqualTo(2356);
    assertThat(p.at("/sizes/2/perCellBonferroni").asLong()).isEqualTo(9423);
    assertThat(p.get("totalForAll").asLong()).isEqualTo(4 * 7064);
    JsonNode q = ok("/api/v1/power/factorial?levels=3,2&sd=0.3&effect=0.02&alpha=0.05&power=0.8");
    assertThat(q.get("effects").asInt()).isEqualTo(5);
    assertThat(q.at("/sizes/0/perCell").asLong()).isEqualTo(1766);
    assertThat(q.at("/sizes/1/perCell").asLong()).isEqualTo(1178);
    assertThat(q.at("/sizes/2/perCell").asLong()).isEqualTo(7064);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "sd=0.3&effect=0.02|levels",
      "levels=2|levels",
      "levels=2,5&sd=0.3&effect=0.02|levels",
      "levels=2,x&sd=0.3&effect=0.02|levels",
      "levels=2,2,2,2,2&sd=0.3&effect=0.02|levels",
      "levels=2,2&effect=0.02|sd",
      "levels=2,2&sd=-1&effect=0.02|sd",
      "levels=2,2&sd=0.3|effect",
      "levels=2,2&sd=0.3&effect=0|effect",
      "levels=2,2&sd=0.3&effect=0.02&alpha=2|alpha",
      "levels=2,2&sd=0.3&effect=0.02&power=1|power",
      "levels=2,2&sd=NaN&effect=0.02|sd"})
  void power_badQuery_is400NamingTheParameter(String query, String field) {
    TestServer.Response r = server.admin("GET", "/api/v1/power/factorial?" + query, null);
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.json().at("/error/details/0/field").asText()).as(r.body()).isEqualTo(field);
  }

  private JsonNode ok(String path) {
    TestServer.Response r = server.admin("GET", path, null);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }
}
