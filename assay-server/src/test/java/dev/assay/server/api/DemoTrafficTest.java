package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.domain.DemoData;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code --demo} seeds simulated traffic with known effects: refreshing the experiments over HTTP
 * finds the winner, the flat guardrail, the thin metric and an A/A test without a result.
 */
class DemoTrafficTest {

  private static TestServer server;
  private static long startMillis;

  @BeforeAll
  static void start() {
    long t0 = System.nanoTime();
    server = new TestServer(b -> b.demo(true));
    startMillis = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("DemoTrafficTest: demo server started (config + traffic seeded) in " + startMillis + " ms");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static JsonNode refresh(String experiment) {
    TestServer.Response r = server.admin("POST", "/api/v1/experiments/" + experiment + "/refresh?project=demo", null);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  private static JsonNode result(JsonNode snapshot, String metric) {
    for (JsonNode r : snapshot.get("results")) {
      if (r.get("metric").asText().equals(metric)) {
        return r;
      }
    }
    throw new AssertionError("no result for " + metric + " in " + snapshot);
  }

  @Test
  void runningExperiment_greenWinsOnPurchase_guardrailFlat_referralTooThin() {
    JsonNode snap = refresh(DemoData.EXPERIMENT);

    JsonNode purchase = result(snap, "purchase");
    assertThat(purchase.get("variant").asText()).isEqualTo("green");
    assertThat(purchase.get("significant").asBoolean()).as(purchase.toString()).isTrue();
    assertThat(purchase.get("ciLower").asDouble()).isPositive();
    // The simulated effect is 10% → 14%: the estimate lands near +4 points.
    assertThat(purchase.get("effect").asDouble()).isBetween(0.025, 0.055);
    JsonNode pageLoad = result(snap, "page-load-ms");
    assertThat(pageLoad.get("significant").asBoolean()).as(pageLoad.toString()).isFalse();
    assertThat(pageLoad.get("ciLower").asDouble()).isNegative();
    assertThat(pageLoad.get("ciUpper").asDouble()).isPositive();
    JsonNode referral = result(snap, "referral");
    assertThat(referral.get("significant").asBoolean()).isFalse();
    for (JsonNode arm : snap.get("sufficientStatistics").get("referral")) {
      assertThat(arm.get("sumY").asDouble()).as("referrals per arm").isLessThan(40);
    }
    // Both arms are close to half of the ~10,000 units in the layer's half: no sample ratio mismatch.
    JsonNode health = snap.get("health");
    assertThat(health.get("srm").asBoolean()).as(health.toString()).isFalse();
    for (JsonNode arm : health.get("units")) {
      assertThat(arm.get("units").asLong()).isBetween(4_500L, 5_500L);
    }
  }

  @Test
  void aaExperiment_noSignificantResult() {
    JsonNode snap = refresh(DemoData.AA_EXPERIMENT);

    List<String> significant = new ArrayList<>();
    for (JsonNode r : snap.get("results")) {
      if (r.get("significant").asBoolean()) {
        significant.add(r.toString());
      }
    }
    assertThat(snap.get("results")).hasSizeGreaterThanOrEqualTo(3);
    assertThat(significant).isEmpty();
    assertThat(snap.get("health").get("srm").asBoolean()).isFalse();
    long units = 0;
    for (JsonNode arm : snap.get("health").get("units")) {
      units += arm.get("units").asLong();
    }
    assertThat(units).as("every simulated user is in the A/A test").isEqualTo(20_000);
  }

  @Test
  void concludedExperiment_hasShipDecisionWithWriteUp() {
    TestServer.Response r = server.admin("GET", "/api/v1/experiments/" + DemoData.CONCLUDED_EXPERIMENT + "?project=demo", null);

    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().get("status").asText()).isEqualTo("concluded");
    assertThat(r.json().get("decision").get("outcome").asText()).isEqualTo("ship");
    assertThat(r.json().get("decision").get("variant").asText()).isEqualTo("banner");
    assertThat(r.json().get("decision").get("writeUp").asText()).contains("banner raised purchase");
  }

  @Test
  void restart_sameDataDir_doesNotSeedAgain() {
    java.nio.file.Path data;
    JsonNode first;
    try (TestServer once = new TestServer(b -> b.demo(true))) {
      data = once.dataDir;
      first = once.admin("GET", "/api/v1/events/summary?from=0", null).json();
    }
    JsonNode second;
    try (TestServer again = new TestServer(b -> b.dataDir(data).demo(true))) {
      second = again.admin("GET", "/api/v1/events/summary?from=0", null).json();
    }

    assertThat(first.get("exposures").asLong()).isGreaterThan(25_000);
    assertThat(first.get("metricEvents").asLong()).isGreaterThan(40_000);
    assertThat(second.get("exposures").asLong()).isEqualTo(first.get("exposures").asLong());
    assertThat(second.get("metricEvents").asLong()).isEqualTo(first.get("metricEvents").asLong());
  }
}
