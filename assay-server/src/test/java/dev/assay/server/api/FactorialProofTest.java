package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.sdk.ExperimentResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.hipparchus.distribution.continuous.ChiSquaredDistribution;
import org.junit.jupiter.api.Test;

/**
 * The proof that a factorial design works end to end: a 2×2 (color × size) on a json flag, the
 * real SDK assigns every user from the server's payload and the application reads the user's
 * factor levels from the served value, conversions follow a known truth, exposures and
 * conversions go in through {@code POST /api/v1/events}, the server refreshes the results and
 * {@code GET /experiments/{key}/factorial} reports the effects. Seeded: the same numbers every run.
 *
 * <p>Truth: P(signup) = 0.10 + 0.03·red + 0.02·large + 0.02·red·large, so the main effect of red
 * (averaged over size) is 0.04, of large 0.03, and the interaction 0.02. Null case: the same
 * without the interaction term, on five experiments with their own hash seeds and outcome seeds.
 */
class FactorialProofTest {
  static final double BASE = 0.10;
  static final double RED = 0.03;
  static final double LARGE = 0.02;
  static final double INTERACTION = 0.02;
  static final int USERS = 60_000;
  static final int NULL_RUNS = 5;
  static final int NULL_USERS = 8_000;

  @Test
  void twoByTwo_estimatesCoverTheTruth_interactionDetected_factorsIndependent() throws Exception {
    try (TestServer server = new TestServer()) {
      prove(server);
    }
  }

  /** The same on the PostgreSQL config store. */
  @Test
  void onPostgres_theSameEstimates() throws Exception {
    try (TestServer server = TestServer.postgres()) {
      prove(server);
    }
  }

  @Test
  void nullInteraction_isNotSignificantAcrossSeeds() throws Exception {
    try (TestServer server = new TestServer()) {
      String clientKey = setUp(server);
      int significant = 0;
      StringBuilder seen = new StringBuilder();
      for (int run = 0; run < NULL_RUNS; run++) {
        String key = "null-" + run;
        define(server, key);
        JsonNode effects = simulate(server, clientKey, key, NULL_USERS, 0.0, 7_000 + run);
        JsonNode interaction = effect(effects, "interaction");
        seen.append(String.format("%s p=%.3f adj=%.3f; ", key, interaction.get("pValue").asDouble(),
            interaction.get("pValueAdjusted").asDouble()));
        significant += interaction.get("significant").asBoolean() ? 1 : 0;
        // The main effects are still there and still covered.
        assertCovers(effect(effects, "color"), RED);
        assertCovers(effect(effects, "size"), LARGE);
      }
      System.out.println("factorial null interaction: " + seen);
      // α = 0.05 per run, so 5 runs expect 0.25 false positives; more than 1 would show a biased test.
      assertThat(significant).as(seen.toString()).isLessThanOrEqualTo(1);
    }
  }

  private static void prove(TestServer server) throws Exception {
    String clientKey = setUp(server);
    define(server, "promo");
    JsonNode effects = simulate(server, clientKey, "promo", USERS, INTERACTION, 20_261_202);
    JsonNode color = effect(effects, "color");
    JsonNode size = effect(effects, "size");
    JsonNode interaction = effect(effects, "interaction");
    System.out.printf("factorial 2x2: color %s, size %s, interaction %s%n", color, size, interaction);
    assertCovers(color, RED + INTERACTION / 2);
    assertCovers(size, LARGE + INTERACTION / 2);
    assertCovers(interaction, INTERACTION);
    assertThat(color.get("significant").asBoolean()).isTrue();
    assertThat(size.get("significant").asBoolean()).isTrue();
    assertThat(interaction.get("significant").asBoolean()).as("a 0.02 interaction at 15,000 units per cell").isTrue();
    assertThat(interaction.get("pValueAdjusted").asDouble()).isGreaterThanOrEqualTo(interaction.get("pValue").asDouble());
    assertThat(effects.get("correction").asText()).isEqualTo("holm");

    // Independence of the factors: χ² test of the 2×2 table of units by (color, size), 1 df.
    long[][] table = new long[2][2];
    JsonNode cells = effects.at("/metrics/0/cells");
    assertThat(cells.size()).isEqualTo(4);
    for (JsonNode c : cells) {
      int r = c.at("/levels/color").asText().equals("red") ? 1 : 0;
      int s = c.at("/levels/size").asText().equals("large") ? 1 : 0;
      table[r][s] = c.get("units").asLong();
    }
    double p = independencePValue(table);
    System.out.printf("factorial independence: cells %s, chi-square p=%.3f%n", java.util.Arrays.deepToString(table), p);
    assertThat(p).as("color and size assigned independently").isGreaterThan(0.001);
    assertThat(table[0][0] + table[0][1] + table[1][0] + table[1][1]).isEqualTo(USERS);
  }

  private static String setUp(TestServer server) {
    ok(server.admin("POST", "/api/v1/metrics", """
        {"key":"signup","type":"proportion","event":"signup","conversionWindowHours":72}"""));
    return server.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
        .json().get("key").asText();
  }

  private static void define(TestServer server, String key) {
    ok(server.admin("POST", "/api/v1/experiments", """
        {"key":"%s","type":"multivariate","factors":[{"key":"color","levels":["blue","red"]},
         {"key":"size","levels":["small","large"]}],
         "variants":[{"key":"blue.small","weight":0.25},{"key":"blue.large","weight":0.25},
          {"key":"red.small","weight":0.25},{"key":"red.large","weight":0.25}],
         "metrics":{"primary":"signup"},"analysis":{"correction":"holm","sequential":false}}""".formatted(key)));
    ok(server.admin("POST", "/api/v1/flags", """
        {"key":"%s-flag","type":"json","defaultValue":{},
         "environments":{"production":{"rules":[{"experiment":"%s"}]}}}""".formatted(key, key)));
    ok(server.admin("POST", "/api/v1/experiments/" + key + "/start", "{}"));
  }

  /**
   * Assigns {@code users} with the SDK from the current payload, sends exposures and conversions
   * (truth with the given interaction), refreshes, and returns the factorial results.
   */
  private static JsonNode simulate(TestServer server, String clientKey, String key, int users, double interaction,
      long seed) {
    TestServer.Response payload = server.call("GET", "/api/features/" + clientKey, null, null);
    ok(payload);
    ExperimentClient sdk = ExperimentClient.builder().payload(payload.body()).build();
    SplittableRandom rnd = new SplittableRandom(seed);
    long t = System.currentTimeMillis();
    StringBuilder batch = new StringBuilder();
    for (int u = 0; u < users; u++) {
      String id = key + "-u" + u;
      ExperimentResult r = sdk.evaluate(key + "-flag", Attributes.of("id", id)).experimentResult().orElseThrow();
      Map<?, ?> levels = (Map<?, ?>) r.value().orElseThrow();
      boolean red = levels.get("color").equals("red");
      boolean large = levels.get("size").equals("large");
      double rate = BASE + (red ? RED : 0) + (large ? LARGE : 0) + (red && large ? interaction : 0);
      long ts = t + u / 1_000;
      batch.append("{\"id\":\"").append(id).append("-x\",\"type\":\"exposure\",\"unitId\":\"").append(id)
          .append("\",\"experimentKey\":\"").append(key).append("\",\"variationId\":").append(r.variationId())
          .append(",\"timestamp\":").append(ts).append("}\n");
      if (rnd.nextDouble() < rate) {
        batch.append("{\"id\":\"").append(id).append("-m\",\"type\":\"metric\",\"name\":\"signup\",\"unitId\":\"")
            .append(id).append("\",\"timestamp\":").append(ts + 1).append("}\n");
      }
      if ((u + 1) % 2_000 == 0 || u == users - 1) {
        TestServer.Response sent = server.send("POST", "/api/v1/events", clientKey, "application/x-ndjson",
            batch.toString().getBytes(StandardCharsets.UTF_8));
        ok(sent);
        assertThat(sent.json().get("rejected").size()).as(sent.body()).isZero();
        batch.setLength(0);
      }
    }
    ok(server.admin("POST", "/api/v1/experiments/" + key + "/refresh", "{}"));
    TestServer.Response f = server.admin("GET", "/api/v1/experiments/" + key + "/factorial", null);
    ok(f);
    return f.json();
  }

  /** The primary metric's main effect of a factor, or (for "interaction") its one interaction. */
  private static JsonNode effect(JsonNode results, String which) {
    JsonNode metric = results.at("/metrics/0");
    assertThat(metric.get("metric").asText()).isEqualTo("signup");
    List<JsonNode> found = new ArrayList<>();
    for (JsonNode e : metric.get("effects")) {
      boolean interaction = e.get("kind").asText().equals("interaction");
      if (which.equals("interaction") ? interaction : !interaction && e.at("/factors/0").asText().equals(which)) {
        found.add(e);
      }
    }
    assertThat(found).as(which + " in " + metric).hasSize(1);
    return found.get(0);
  }

  private static void assertCovers(JsonNode effect, double truth) {
    assertThat(effect.get("ciLower").asDouble()).as("lower end below the truth %s: %s", truth, effect)
        .isLessThan(truth);
    assertThat(effect.get("ciUpper").asDouble()).as("upper end above the truth %s: %s", truth, effect)
        .isGreaterThan(truth);
  }

  /** Pearson's χ² test of independence of a 2×2 table (no continuity correction), 1 df. */
  static double independencePValue(long[][] o) {
    double n = o[0][0] + o[0][1] + o[1][0] + o[1][1];
    double chi = 0;
    for (int r = 0; r < 2; r++) {
      for (int c = 0; c < 2; c++) {
        double expected = (o[r][0] + o[r][1]) * (double) (o[0][c] + o[1][c]) / n;
        chi += (o[r][c] - expected) * (o[r][c] - expected) / expected;
      }
    }
    return 1 - new ChiSquaredDistribution(1).cumulativeProbability(chi);
  }

  private static void ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 299);
  }
}
