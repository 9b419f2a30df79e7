package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The proof of the post-stratified estimate (docs/designs.md "Stratification") end to end: users
 * of three plan tiers whose spend differs 40-fold (a high-variance attribute known at assignment),
 * assigned by the real SDK, exposures carrying the tier in their attributes and spend events
 * through {@code POST /api/v1/events}; a known effect of {@link #EFFECT} for every treated user.
 * The stratified estimate is within 3 of its SEs of the truth with an SE far below the unadjusted
 * one, which matches the ordinary result's.
 */
class StratificationProofTest {
  static final double EFFECT = 1.0;
  static final double[] TIER_MEANS = {5, 50, 200};
  static final String[] TIERS = {"free", "pro", "enterprise"};

  @Test
  void postStratifiedEstimate_isTheTruthWithMuchSmallerVariance() throws Exception {
    try (TestServer server = new TestServer()) {
      ok(server.admin("POST", "/api/v1/metrics", """
          {"key":"spend","type":"mean","event":"spend","minimumSample":10,"cupedLookbackDays":0}"""));
      String clientKey = server.admin("POST", "/api/v1/sdk-connections",
          "{\"name\":\"web\",\"environment\":\"production\"}").json().get("key").asText();
      ok(server.admin("POST", "/api/v1/experiments", """
          {"key":"pricing","variants":[{"key":"control","weight":0.5},{"key":"treatment","weight":0.5}],
           "metrics":{"primary":"spend"},"analysis":{"sequential":false,"cuped":false,"stratify":"tier"}}"""));
      ok(server.admin("POST", "/api/v1/flags", """
          {"key":"pricing-flag","type":"string","defaultValue":"control",
           "environments":{"production":{"rules":[{"experiment":"pricing"}]}}}"""));
      ok(server.admin("POST", "/api/v1/experiments/pricing/start", "{}"));
      TestServer.Response payload = server.call("GET", "/api/features/" + clientKey, null, null);
      ok(payload);
      ExperimentClient sdk = ExperimentClient.builder().payload(payload.body()).build();
      SplittableRandom rnd = new SplittableRandom(20_261_205);
      StringBuilder batch = new StringBuilder();
      long t = System.currentTimeMillis();
      for (int u = 0; u < 3_000; u++) {
        String id = "user-" + u;
        double x = rnd.nextDouble();
        int tier = x < 0.6 ? 0 : x < 0.9 ? 1 : 2;
        int arm = sdk.evaluate("pricing-flag", Attributes.of("id", id, "tier", TIERS[tier])).experimentResult()
            .orElseThrow().variationId();
        double y = TIER_MEANS[tier] + 5 * rnd.nextGaussian() + arm * EFFECT;
        batch.append("{\"id\":\"x").append(u).append("\",\"type\":\"exposure\",\"unitId\":\"").append(id)
            .append("\",\"experimentKey\":\"pricing\",\"variationId\":").append(arm).append(",\"timestamp\":").append(t)
            .append(",\"attributes\":{\"tier\":\"").append(TIERS[tier]).append("\"}}\n");
        batch.append("{\"id\":\"y").append(u).append("\",\"type\":\"metric\",\"name\":\"spend\",\"unitId\":\"")
            .append(id).append("\",\"value\":").append(y).append(",\"timestamp\":").append(t + 1).append("}\n");
      }
      TestServer.Response r = server.send("POST", "/api/v1/events", clientKey, "application/x-ndjson",
          batch.toString().getBytes(StandardCharsets.UTF_8));
      ok(r);
      assertThat(r.json().get("rejected").size()).as(r.body()).isZero();
      ok(server.admin("POST", "/api/v1/experiments/pricing/refresh", "{}"));
      JsonNode snapshot = server.admin("GET", "/api/v1/experiments/pricing/results", null).json();
      JsonNode plain = snapshot.path("results").get(0);
      double plainSe = (plain.path("ciUpper").asDouble() - plain.path("ciLower").asDouble()) / (2 * 1.959964);
      assertThat(snapshot.at("/stratification/attribute").asText()).isEqualTo("tier");
      JsonNode s = snapshot.at("/stratification/results/0");
      System.out.printf("stratification proof: unadjusted effect %.3f ± %.3f; post-stratified %.3f ± %.3f"
          + " (truth %.1f), variance reduction %.3f, %d strata%n", plain.path("effect").asDouble(), plainSe,
          s.path("effect").asDouble(), s.path("se").asDouble(), EFFECT, s.path("varianceReduction").asDouble(),
          s.path("strata").asInt());
      assertThat(s.path("variant").asText()).isEqualTo("treatment");
      assertThat(s.path("strata").asInt()).isEqualTo(3);
      assertThat(Math.abs(s.path("effect").asDouble() - EFFECT)).isLessThan(3 * s.path("se").asDouble());
      assertThat(s.path("unadjustedSe").asDouble()).isCloseTo(plainSe, org.assertj.core.data.Offset.offset(0.02 * plainSe));
      assertThat(s.path("se").asDouble()).isLessThan(0.2 * plainSe);
      assertThat(s.path("varianceReduction").asDouble()).isGreaterThan(0.9);
    }
  }

  private static void ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 299);
  }
}
