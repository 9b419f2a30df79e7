package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An experiment's {@code plannedUnits} and {@code analysis} settings: validated with the field
 * named, and used by a refresh over the embedded event store (fixed-horizon intervals, no
 * correction, α = 0.1), which the snapshot and the Markdown report say.
 */
class ExperimentAnalysisSettingsTest {
  private final TestServer server = new TestServer();

  @AfterEach
  void stop() {
    server.close();
  }

  private void ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 299);
  }

  private static String experiment(String key, String extra) {
    return """
        {"key":"%s","variants":[{"key":"control","weight":0.5},{"key":"treatment","weight":0.5}],
         "metrics":{"primary":"clicks","secondary":["spend"]}%s}""".formatted(key, extra);
  }

  @Test
  void create_invalidSettings_400NamingTheField() {
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"clicks\",\"type\":\"count\",\"event\":\"click\"}"));
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"spend\",\"type\":\"sum\",\"event\":\"buy\"}"));
    String[][] cases = {
        {",\"plannedUnits\":0", "plannedUnits"},
        {",\"plannedUnits\":-5", "plannedUnits"},
        {",\"analysis\":{\"alpha\":0.7}", "analysis.alpha"},
        {",\"analysis\":{\"alpha\":0}", "analysis.alpha"},
        {",\"analysis\":{\"engine\":\"magic\"}", "analysis.engine"},
        {",\"analysis\":{\"correction\":\"fdr\"}", "analysis.correction"},
    };
    for (String[] c : cases) {
      TestServer.Response r = server.admin("POST", "/api/v1/experiments", experiment("bad", c[0]));
      assertThat(r.status()).as(c[0] + ": " + r.body()).isEqualTo(400);
      assertThat(r.body()).as(c[0]).contains(c[1]);
    }
    ok(server.admin("POST", "/api/v1/experiments", experiment("good", "")));
    JsonNode stored = server.admin("GET", "/api/v1/experiments/good", null).json();
    assertThat(stored.at("/analysis/alpha").asDouble()).isEqualTo(0.05);
    assertThat(stored.at("/analysis/correction").asText()).isEqualTo("benjamini_hochberg");
    assertThat(stored.at("/analysis/sequential").asBoolean()).isTrue();
  }

  @Test
  void refresh_usesTheExperimentsSettings() {
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"clicks\",\"type\":\"count\",\"event\":\"click\"}"));
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"spend\",\"type\":\"sum\",\"event\":\"buy\","
        + "\"valueProperty\":\"eur\",\"minimumSample\":10}"));
    ok(server.admin("POST", "/api/v1/experiments", experiment("settings",
        ",\"plannedUnits\":4000,\"analysis\":{\"sequential\":false,\"correction\":\"none\",\"alpha\":0.1}")));
    ok(server.admin("POST", "/api/v1/experiments/settings/start", "{}"));
    long start = server.admin("GET", "/api/v1/experiments/settings", null).json().at("/phases/0/startedAt").asLong();
    String token = server.token("analyst");
    SplittableRandom rnd = new SplittableRandom(1);
    StringBuilder body = new StringBuilder();
    for (int u = 0; u < 1000; u++) {
      int v = rnd.nextInt(2);
      long t = start + 1 + rnd.nextLong(60_000);
      body.append("{\"id\":\"e").append(u).append("\",\"type\":\"exposure\",\"unitId\":\"u").append(u)
          .append("\",\"experimentKey\":\"settings\",\"variationId\":").append(v).append(",\"timestamp\":").append(t)
          .append("}\n");
      body.append("{\"id\":\"c").append(u).append("\",\"type\":\"metric\",\"name\":\"click\",\"unitId\":\"u").append(u)
          .append("\",\"timestamp\":").append(t + 10).append("}\n");
      body.append("{\"id\":\"b").append(u).append("\",\"type\":\"metric\",\"name\":\"buy\",\"unitId\":\"u").append(u)
          .append("\",\"timestamp\":").append(t + 20).append(",\"properties\":{\"eur\":").append(10 + v + rnd.nextInt(5))
          .append("}}\n");
    }
    ok(server.send("POST", "/api/v1/events", token, "application/x-ndjson", body.toString().getBytes(StandardCharsets.UTF_8)));

    JsonNode snapshot = server.admin("POST", "/api/v1/experiments/settings/refresh", "{}").json();

    assertThat(snapshot.at("/settings/sequential").asBoolean()).isFalse();
    assertThat(snapshot.at("/settings/correction").asText()).isEqualTo("none");
    assertThat(snapshot.at("/settings/alpha").asDouble()).isEqualTo(0.1);
    assertThat(snapshot.at("/health/progress").asDouble()).isEqualTo(0.25);
    JsonNode spend = snapshot.at("/results/1");
    assertThat(spend.get("metric").asText()).isEqualTo("spend");
    assertThat(spend.get("method").asText()).doesNotContain("msprt");
    assertThat(spend.get("ciLower").asDouble()).as("headline = single-look when not sequential")
        .isEqualTo(spend.get("fixedHorizonCiLower").asDouble());
    assertThat(spend.get("pValueAdjusted").asDouble()).isEqualTo(spend.get("pValue").asDouble());
    assertThat(spend.get("effect").asDouble()).as("+1 EUR per unit in treatment").isBetween(0.8, 1.2);
    assertThat(snapshot.at("/sufficientStatistics/clicks/0/sumY").asDouble()
        + snapshot.at("/sufficientStatistics/clicks/1/sumY").asDouble()).isEqualTo(1000);
    String report = server.admin("GET", "/api/v1/experiments/settings/report.md", null).body();
    assertThat(report).contains("Intervals are fixed-horizon").contains("90% confidence")
        .contains("not adjusted for multiple metrics").contains("sequential p =");
  }
}
