package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The proof that a holdout measures the combined effect of the features it covers, end to end:
 * three features with known small additive effects on conversion (two flags rolled out to
 * everyone, +1 pp and +1.5 pp, and a running 50/50 experiment whose treatment adds +2 pp), a 15%
 * holdout over all three, the real SDK evaluating the server's payload and reporting exposures
 * (the holdout's own tracking experiment included) through its exposure callback, exposures and
 * conversions through {@code POST /api/v1/events}, and the server's holdout analysis refreshed
 * after each of three rounds of users. The known truth of general − held-out is
 * 1 + 1.5 + ½ · 2 = 3.5 pp. Seeded: the same users and conversions every run.
 */
class HoldoutProofTest {
  static final double BASE = 0.10;
  static final double[] EFFECTS = {0.01, 0.015, 0.02};
  /** The third feature is an experiment: half of the general units get its treatment. */
  static final double TRUTH = EFFECTS[0] + EFFECTS[1] + 0.5 * EFFECTS[2];
  static final int ROUNDS = 3;
  static final int USERS_PER_ROUND = 8_000;
  static final double FRACTION = 0.15;

  @Test
  void holdout_measuresTheCombinedEffectOfItsFeaturesWithinItsCi() throws Exception {
    try (TestServer server = new TestServer()) {
      prove(server);
    }
  }

  /** The same on the PostgreSQL config store (the holdout, its metrics and its stored refreshes there). */
  @Test
  void onPostgres_theSameMeasurement() throws Exception {
    try (TestServer server = TestServer.postgres()) {
      prove(server);
    }
  }

  private static void prove(TestServer server) {
    ok(server.admin("POST", "/api/v1/metrics", """
        {"key":"purchase","type":"proportion","event":"purchase","conversionWindowHours":72}"""));
    String clientKey = server.admin("POST", "/api/v1/sdk-connections",
        "{\"name\":\"web\",\"environment\":\"production\"}").json().get("key").asText();
    for (String f : List.of("one-click", "free-returns")) {
      ok(server.admin("POST", "/api/v1/flags", """
          {"key":"%s","type":"boolean","defaultValue":false,
           "environments":{"production":{"rules":[{"value":true}]}}}""".formatted(f)));
    }
    ok(server.admin("POST", "/api/v1/experiments", """
        {"key":"reviews","variants":[{"key":"control","weight":0.5,"value":false},
         {"key":"treatment","weight":0.5,"value":true}],"metrics":{"primary":"purchase"}}"""));
    ok(server.admin("POST", "/api/v1/flags", """
        {"key":"show-reviews","type":"boolean","defaultValue":false,
         "environments":{"production":{"rules":[{"experiment":"reviews"}]}}}"""));
    ok(server.admin("POST", "/api/v1/experiments/reviews/start", "{}"));
    TestServer.Response noMetric = server.admin("POST", "/api/v1/holdouts", """
        {"key":"lt","fraction":0.15,"flags":["one-click"],"metrics":{"primary":"nope"}}""");
    assertThat(noMetric.status()).as(noMetric.body()).isEqualTo(422);
    assertThat(noMetric.json().at("/error/details/0/field").asText()).isEqualTo("metrics.primary");
    ok(server.admin("POST", "/api/v1/holdouts", """
        {"key":"lt","name":"Long-term","fraction":%s,"flags":["one-click","free-returns"],
         "experiments":["reviews"],"metrics":{"primary":"purchase"}}""".formatted(FRACTION)));
    TestServer.Response before = server.admin("GET", "/api/v1/holdouts/lt/results", null);
    assertThat(before.status()).as(before.body()).isEqualTo(404);

    ExperimentClient sdk = ExperimentClient.builder()
        .payload(server.call("GET", "/api/features/" + clientKey, null, null).body())
        .onExposure((exp, result) -> EXPOSURES.get().add(new Exposure(result.hashValue(), exp.key(),
            result.variationId()))).build();
    SplittableRandom rnd = new SplittableRandom(20_261_203);
    long eventId = 0;
    long heldOutUsers = 0;
    long leaks = 0;
    JsonNode results = null;
    for (int round = 0; round < ROUNDS; round++) {
      StringBuilder batch = new StringBuilder();
      long t = System.currentTimeMillis();
      for (int u = 0; u < USERS_PER_ROUND; u++) {
        String id = "r" + round + "-u" + u;
        Attributes user = Attributes.of("id", id);
        EXPOSURES.get().clear();
        boolean[] on = {sdk.getBoolean("one-click", user, false), sdk.getBoolean("free-returns", user, false),
            sdk.getBoolean("show-reviews", user, false)};
        List<Exposure> seen = EXPOSURES.get();
        boolean heldOut = seen.stream().anyMatch(e -> e.experiment().equals("holdout:lt") && e.variation() == 0);
        assertThat(seen.stream().filter(e -> e.experiment().equals("holdout:lt")).count())
            .as("one holdout exposure per unit").isEqualTo(1);
        if (heldOut) {
          heldOutUsers++;
          leaks += (on[0] ? 1 : 0) + (on[1] ? 1 : 0) + (on[2] ? 1 : 0);
          assertThat(seen).as("a held-out unit is in no covered experiment").hasSize(1);
        }
        double p = BASE;
        for (int f = 0; f < 3; f++) {
          p += on[f] ? EFFECTS[f] : 0;
        }
        long ts = t + u;
        for (Exposure e : seen) {
          batch.append("{\"id\":\"e").append(eventId++).append("\",\"type\":\"exposure\",\"unitId\":\"").append(id)
              .append("\",\"experimentKey\":\"").append(e.experiment()).append("\",\"variationId\":")
              .append(e.variation()).append(",\"timestamp\":").append(ts).append("}\n");
        }
        if (rnd.nextDouble() < p) {
          batch.append("{\"id\":\"e").append(eventId++).append("\",\"type\":\"metric\",\"name\":\"purchase\",")
              .append("\"unitId\":\"").append(id).append("\",\"timestamp\":").append(ts + 1).append("}\n");
        }
        if (u % 2_000 == 1_999) {
          send(server, clientKey, batch); // under the limit of 10,000 events per request
        }
      }
      send(server, clientKey, batch);
      TestServer.Response refreshed = server.admin("POST", "/api/v1/holdouts/lt/refresh", "{}");
      ok(refreshed);
      results = refreshed.json();
      long users = (long) (round + 1) * USERS_PER_ROUND;
      assertThat(results.at("/units/held-out").asLong() + results.at("/units/general").asLong())
          .as("every unit of the rounds so far is counted").isEqualTo(users);
    }
    assertThat(leaks).as("held-out units never see a covered feature's value").isZero();
    long users = (long) ROUNDS * USERS_PER_ROUND;
    assertThat(results.at("/units/held-out").asLong()).isEqualTo(heldOutUsers);
    assertThat((double) heldOutUsers / users).isBetween(FRACTION - 0.01, FRACTION + 0.01);
    JsonNode purchase = results.at("/metrics/0");
    double effect = purchase.path("effect").asDouble();
    double lower = purchase.path("ciLower").asDouble();
    double upper = purchase.path("ciUpper").asDouble();
    System.out.printf("holdout effect %.4f, 95%% CI [%.4f, %.4f], truth %.4f; held-out %d of %d units%n", effect,
        lower, upper, TRUTH, heldOutUsers, users);
    assertThat(purchase.path("metric").asText()).isEqualTo("purchase");
    assertThat(lower).as("the CI covers the combined truth").isLessThanOrEqualTo(TRUTH);
    assertThat(upper).as("the CI covers the combined truth").isGreaterThanOrEqualTo(TRUTH);
    assertThat(lower).as("and excludes no effect").isGreaterThan(0);
    assertThat(purchase.at("/heldOut/mean").asDouble()).isBetween(BASE - 0.02, BASE + 0.02);

    JsonNode stored = server.admin("GET", "/api/v1/holdouts/lt/results", null).json();
    assertThat(stored.path("refreshes").asInt()).isEqualTo(ROUNDS);
    assertThat(stored.at("/series/t").size()).isEqualTo(ROUNDS);
    assertThat(stored.at("/series/metrics/purchase/effect/" + (ROUNDS - 1)).asDouble()).isEqualTo(effect);
    assertThat(stored.at("/series/metrics/purchase/units/0").asLong()).isEqualTo(USERS_PER_ROUND);
  }

  record Exposure(String unit, String experiment, int variation) {}

  /** The exposures the SDK reported for the unit being evaluated (the callback runs on the caller's thread). */
  private static final ThreadLocal<List<Exposure>> EXPOSURES = ThreadLocal.withInitial(ArrayList::new);

  private static void send(TestServer server, String clientKey, StringBuilder batch) {
    if (batch.isEmpty()) {
      return;
    }
    TestServer.Response r = server.send("POST", "/api/v1/events", clientKey, "application/x-ndjson",
        batch.toString().getBytes(StandardCharsets.UTF_8));
    ok(r);
    assertThat(r.json().get("rejected").size()).as(r.body()).isZero();
    batch.setLength(0);
  }

  private static void ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 299);
  }
}
