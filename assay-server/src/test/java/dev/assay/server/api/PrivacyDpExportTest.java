package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The differentially private export over HTTP on a real server and its embedded warehouse: the
 * noise scales of the formulas at the request's ε, values clipped in the warehouse to the declared
 * bound, ε accounting that sums and refuses over budget with a 409 naming what remains, and the
 * 400s of a bad query.
 */
class PrivacyDpExportTest {
  private static final String EXPORT = "/api/v1/experiments/dp/results/dp-export";
  private TestServer server;
  /** The clipped per-variation sums of revenue (bound [0, 10]) of the events sent: control, treatment. */
  private final double[] clippedRevenue = new double[2];
  private final long[] units = new long[2];

  @BeforeEach
  void start() {
    server = new TestServer();
    String clientKey = server.admin("POST", "/api/v1/sdk-connections",
        "{\"name\":\"web\",\"environment\":\"production\"}").json().get("key").asText();
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"revenue\",\"type\":\"mean\",\"event\":\"revenue\"}"));
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(server.admin("POST", "/api/v1/experiments", """
        {"key":"dp","variants":[{"key":"control","weight":0.5},{"key":"treatment","weight":0.5}],
         "metrics":{"primary":"revenue","secondary":["purchase"]}}"""));
    ok(server.admin("POST", "/api/v1/experiments/dp/start", "{}"));
    List<String> events = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (int i = 0; i < 200; i++) {
      int v = i % 2;
      // every 10th unit spends 1000: clipped to 10 in the export, it would move a raw sum by ~10 000
      double value = i % 10 == 0 ? 1000 : i % 7;
      units[v]++;
      clippedRevenue[v] += Math.min(10, value);
      events.add("{\"id\":\"e" + i + "\",\"type\":\"exposure\",\"experimentKey\":\"dp\",\"variationId\":" + v
          + ",\"unitId\":\"u" + i + "\",\"timestamp\":" + now + "}");
      events.add("{\"id\":\"r" + i + "\",\"type\":\"metric\",\"name\":\"revenue\",\"unitId\":\"u" + i
          + "\",\"timestamp\":" + (now + 1) + ",\"value\":" + value + "}");
    }
    TestServer.Response posted = server.send("POST", "/api/v1/events", clientKey, "application/json",
        ("[" + String.join(",", events) + "]").getBytes(StandardCharsets.UTF_8));
    assertThat(posted.json().get("accepted").asInt()).as(posted.body()).isEqualTo(events.size());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void export_noiseScalesFollowTheFormulas_andEpsilonAddsUpUntilTheBudgetRefuses() {
    ok(server.admin("PUT", "/api/v1/privacy", "{\"clipBounds\":{\"revenue\":{\"lo\":0,\"hi\":10}}}"));

    TestServer.Response first = server.admin("GET", EXPORT + "?epsilon=0.4", null);

    assertThat(first.status()).as(first.body()).isEqualTo(200);
    JsonNode x = first.json();
    // Two metrics (revenue declared, purchase a proportion: [0, 1]) × 3 statistics share ε = 0.4.
    assertThat(x.at("/privacy/statistics").asInt()).isEqualTo(6);
    assertThat(x.at("/privacy/epsilonPerStatistic").asDouble()).isCloseTo(0.4 / 6, within(1e-12));
    JsonNode revenue = metric(x, "revenue");
    assertThat(revenue.at("/noiseScale/count").asDouble()).isCloseTo(1 / (0.4 / 6), within(1e-9));
    assertThat(revenue.at("/noiseScale/sum").asDouble()).isCloseTo(10 / (0.4 / 6), within(1e-9));
    assertThat(revenue.at("/noiseScale/sumOfSquares").asDouble()).isCloseTo(100 / (0.4 / 6), within(1e-9));
    assertThat(revenue.at("/noiseVariance/sum").asDouble()).isCloseTo(2 * Math.pow(150, 2), within(1e-6));
    assertThat(metric(x, "purchase").at("/noiseScale/sum").asDouble()).isCloseTo(15, within(1e-9));
    assertThat(revenue.at("/variations/0/variant").asText()).isEqualTo("control");
    assertThat(x.at("/budget/spent").asDouble()).isEqualTo(0.4);
    assertThat(x.at("/budget/remaining").asDouble()).isCloseTo(0.6, within(1e-12));

    TestServer.Response second = server.admin("GET", EXPORT + "?epsilon=0.6&mechanism=gaussian&delta=1e-6", null);
    assertThat(second.status()).as(second.body()).isEqualTo(200);
    // σ = Δ·sqrt(2 ln(1.25/(δ/6)))/(ε/6) for the count (Δ = 1)
    assertThat(metric(second.json(), "revenue").at("/noiseScale/count").asDouble())
        .isCloseTo(Math.sqrt(2 * Math.log(1.25 / (1e-6 / 6))) / 0.1, within(1e-9));
    assertThat(second.json().at("/budget/spent").asDouble()).isCloseTo(1.0, within(1e-12));

    TestServer.Response refused = server.admin("GET", EXPORT + "?epsilon=0.1", null);
    assertThat(refused.status()).as(refused.body()).isEqualTo(409);
    assertThat(refused.json().at("/error/code").asText()).isEqualTo("privacy_budget_exceeded");
    assertThat(refused.json().at("/error/message").asText()).contains("remains").contains("of 1.0");
    assertThat(refused.json().at("/error/details/0/field").asText()).isEqualTo("epsilon");
    JsonNode budget = server.admin("GET", "/api/v1/experiments/dp/privacy-budget", null).json();
    assertThat(budget.get("spent").asDouble()).isCloseTo(1.0, within(1e-12));
    assertThat(budget.get("exports").asInt()).isEqualTo(2);
    JsonNode audit = server.admin("GET", "/api/v1/audit?kind=dp_budget", null).json().get("items");
    assertThat(audit).hasSize(2);
    assertThat(audit.toString()).contains("gaussian").contains("laplace");
  }

  @Test
  void export_clipsEachUnitsValueInTheWarehouse_toTheDeclaredBound() {
    // A large ε (budget raised to 100) makes the noise small enough to see the clipped sums.
    ok(server.admin("PUT", "/api/v1/privacy",
        "{\"epsilonBudget\":100,\"clipBounds\":{\"revenue\":{\"lo\":0,\"hi\":10}}}"));

    JsonNode x = server.admin("GET", EXPORT + "?epsilon=90", null).json();

    JsonNode revenue = metric(x, "revenue");
    double b = revenue.at("/noiseScale/sum").asDouble(); // 10 / 15
    double bn = revenue.at("/noiseScale/count").asDouble();
    for (int v = 0; v < 2; v++) {
      JsonNode row = revenue.at("/variations/" + v);
      // |Laplace(b)| > 20 b has probability e^-20
      assertThat(row.get("sum").asDouble()).as("variation " + v).isCloseTo(clippedRevenue[v], within(20 * b));
      assertThat(row.get("n").asDouble()).isCloseTo(units[v], within(20 * bn));
    }
  }

  @Test
  void export_badQuery_400NamingTheParameter_andWithoutBoundsNothingIsSpent() {
    for (String[] c : new String[][] {{"", "epsilon"}, {"?epsilon=0", "epsilon"}, {"?epsilon=x", "epsilon"},
        {"?epsilon=0.1&mechanism=exponential", "mechanism"}, {"?epsilon=0.1&mechanism=gaussian", "delta"},
        {"?epsilon=0.1&mechanism=gaussian&delta=1", "delta"}, {"?epsilon=0.1&delta=0.001", "delta"}}) {
      TestServer.Response r = server.admin("GET", EXPORT + c[0], null);
      assertThat(r.status()).as(c[0] + ": " + r.body()).isEqualTo(400);
      assertThat(r.json().at("/error/details/0/field").asText()).as(c[0]).isEqualTo(c[1]);
    }
    assertThat(server.admin("GET", "/api/v1/experiments/nope/results/dp-export?epsilon=0.1", null).status())
        .isEqualTo(404);
    assertThat(server.call("GET", EXPORT + "?epsilon=0.1", server.token("viewer"), null).status()).isEqualTo(403);
    assertThat(server.admin("GET", "/api/v1/experiments/dp/privacy-budget", null).json().get("spent").asDouble())
        .isZero();
  }

  private static JsonNode metric(JsonNode export, String key) {
    for (JsonNode m : export.get("metrics")) {
      if (m.get("metric").asText().equals(key)) {
        return m;
      }
    }
    throw new AssertionError("no metric " + key + " in " + export);
  }

  private static void ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 299);
  }
}
