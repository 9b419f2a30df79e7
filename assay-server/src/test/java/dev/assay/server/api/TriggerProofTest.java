package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.EventLogger;
import dev.assay.sdk.ExperimentClient;
import dev.assay.stats.MeanDifference;
import dev.assay.stats.SampleStats;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The proof of triggered analysis (docs/designs.md "Triggered analysis"): users are randomized,
 * but only those who open the checkout ({@code checkout_viewed}, {@link #TRIGGER_RATE} of them)
 * can be affected: the treatment adds {@link #EFFECT} to a triggered treated user's spend and
 * nothing to anybody else's. The server's triggered analysis must estimate the effect on the
 * triggered users (≈ truth) and report the diluted effect on all exposed users (≈ truth × the
 * triggered share), which the test checks against the whole population's difference computed from
 * the simulated data. Everything goes through the real SDK and {@code POST /api/v1/events}.
 */
class TriggerProofTest {
  static final double EFFECT = 1.0;
  static final double TRIGGER_RATE = 0.3;
  static final int USERS = 3_000;

  @Test
  void triggeredEstimateIsTheTruthAndTheDilutedOneTheTruthTimesTheShare() throws Exception {
    try (TestServer server = new TestServer()) {
      ok(server.admin("POST", "/api/v1/metrics", """
          {"key":"spend","type":"mean","event":"spend","minimumSample":10}"""));
      String clientKey = server.admin("POST", "/api/v1/sdk-connections",
          "{\"name\":\"web\",\"environment\":\"production\"}").json().get("key").asText();
      ok(server.admin("POST", "/api/v1/experiments", """
          {"key":"checkout","variants":[{"key":"control","weight":0.5},{"key":"treatment","weight":0.5}],
           "metrics":{"primary":"spend"},
           "analysis":{"sequential":false,"cuped":false,"trigger":"checkout_viewed"}}"""));
      ok(server.admin("POST", "/api/v1/flags", """
          {"key":"checkout-flag","type":"string","defaultValue":"control",
           "environments":{"production":{"rules":[{"experiment":"checkout"}]}}}"""));
      ok(server.admin("POST", "/api/v1/experiments/checkout/start", "{}"));
      TestServer.Response payload = server.call("GET", "/api/features/" + clientKey, null, null);
      ok(payload);

      SplittableRandom rnd = new SplittableRandom(20_261_204);
      double[][] all = new double[2][3];
      int triggered = 0;
      try (EventLogger events = EventLogger.builder("http://127.0.0.1:" + server.port(), clientKey)
          .flushInterval(Duration.ofMillis(200)).build()) {
        ExperimentClient sdk = ExperimentClient.builder().payload(payload.body()).onExposure(events).build();
        for (int u = 0; u < USERS; u++) {
          String id = "user-" + u;
          int arm = sdk.evaluate("checkout-flag", Attributes.of("id", id)).experimentResult().orElseThrow()
              .variationId();
          boolean fired = rnd.nextDouble() < TRIGGER_RATE;
          if (fired) {
            assertThat(events.track("checkout_viewed", id)).isTrue();
            triggered++;
          }
          double y = 10 + 2 * rnd.nextGaussian() + (fired && arm == 1 ? EFFECT : 0);
          assertThat(events.track("spend", id, y)).isTrue();
          all[arm][0]++;
          all[arm][1] += y;
          all[arm][2] += y * y;
        }
        assertThat(events.flush(Duration.ofSeconds(30))).isTrue();
        assertThat(events.stats().dropped()).isZero();
      }
      ok(server.admin("POST", "/api/v1/experiments/checkout/refresh", "{}"));
      TestServer.Response results = server.admin("GET", "/api/v1/experiments/checkout/results", null);
      ok(results);
      JsonNode snapshot = results.json();
      JsonNode trigger = snapshot.path("trigger");
      assertThat(trigger.path("event").asText()).isEqualTo("checkout_viewed");
      assertThat(trigger.path("exposedUnits").asLong()).isEqualTo(USERS);
      assertThat(trigger.path("triggeredUnits").asLong()).isEqualTo(triggered);
      double share = trigger.path("share").asDouble();
      JsonNode r = snapshot.path("results").get(0);
      double effect = r.path("effect").asDouble();
      double se = (r.path("ciUpper").asDouble() - r.path("ciLower").asDouble()) / (2 * 1.959964);
      JsonNode diluted = trigger.path("diluted").get(0);
      double dilutedEffect = diluted.path("effect").asDouble();
      MeanDifference whole = MeanDifference.welch(SampleStats.fromSums((long) all[0][0], all[0][1], all[0][2]),
          SampleStats.fromSums((long) all[1][0], all[1][1], all[1][2]), 0.05);
      System.out.printf("trigger proof: share %.3f (truth %.2f); triggered effect %.3f ± %.3f (truth %.1f);"
          + " diluted %.3f [%.3f, %.3f] (truth %.2f); whole-population difference %.3f ± %.3f%n", share,
          TRIGGER_RATE, effect, se, EFFECT, dilutedEffect, diluted.path("ciLower").asDouble(),
          diluted.path("ciUpper").asDouble(), EFFECT * TRIGGER_RATE, whole.diff(), whole.se());
      assertThat(share).isEqualTo((double) triggered / USERS);
      assertThat(Math.abs(effect - EFFECT)).as("triggered estimate within 3 SE of the truth").isLessThan(3 * se);
      assertThat(diluted.path("variant").asText()).isEqualTo("treatment");
      assertThat(dilutedEffect).isCloseTo(effect * share, org.assertj.core.data.Offset.offset(1e-9));
      assertThat(diluted.path("ciLower").asDouble()).isLessThan(EFFECT * TRIGGER_RATE);
      assertThat(diluted.path("ciUpper").asDouble()).isGreaterThan(EFFECT * TRIGGER_RATE);
      assertThat(Math.abs(dilutedEffect - whole.diff())).as("the diluted effect is the whole population's")
          .isLessThan(3 * whole.se());
      assertThat(se * share).as("without the untriggered users' noise the diluted estimate is sharper than the"
          + " whole population's difference (Deng and Hu 2015)").isLessThan(whole.se());
    }
  }

  private static void ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 299);
  }
}
