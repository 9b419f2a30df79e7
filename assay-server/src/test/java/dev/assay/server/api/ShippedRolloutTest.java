package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.sdk.ExperimentResult;
import dev.assay.sdk.FeatureResult;
import dev.assay.testsupport.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rollout of a shipped experiment variant (ADR 0036) on a real server with simulated traffic:
 * an experiment concluded with "ship treatment" serves treatment to everyone until a rollout plan
 * is put on its flag rule; then the SDK sees the shipped value on about 20% of units, ramping to
 * 100% while the gates pass, and a treatment that doubles the error rate rolls back to the
 * control variant's value for everyone.
 */
class ShippedRolloutTest {
  private static final String ROLLOUT = "/api/v1/flags/checkout-flow/rollout?environment=production";
  private static final String PLAN = """
      {"steps":[0.2,0.5,1.0],"dwellSeconds":1,"settleSeconds":1,"minUnitsPerStep":200,
       "gates":{"errorRateMargin":0.03,"srm":true}}""";
  private final TestServer t = new TestServer(b -> b.rolloutTick(Duration.ofMillis(200)));
  private final SplittableRandom random = new SplittableRandom(11);
  private String clientKey;
  private int round;

  @AfterEach
  void stop() {
    t.close();
  }

  private static TestServer.Response ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 204);
    return r;
  }

  @BeforeEach
  void shipTreatment() {
    clientKey = ok(t.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}"))
        .json().get("key").asText();
    ok(t.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(t.admin("POST", "/api/v1/experiments", """
        {"key":"checkout","variants":[{"key":"control","weight":0.5,"value":"old"},{"key":"treatment","weight":0.5,"value":"new"}],
         "metrics":{"primary":"purchase"}}"""));
    ok(t.admin("POST", "/api/v1/flags", """
        {"key":"checkout-flow","type":"string","defaultValue":"off",
         "environments":{"production":{"enabled":true,"rules":[{"experiment":"checkout"}]}}}"""));
    TestServer.Response running = t.admin("PUT", ROLLOUT, PLAN);
    assertThat(running.status()).as("a running experiment's rule takes no rollout: " + running.body()).isEqualTo(400);
    assertThat(running.json().at("/error/details/0/field").asText()).isEqualTo("rule");
    ok(t.admin("POST", "/api/v1/experiments/checkout/start", "{}"));
    ok(t.admin("POST", "/api/v1/experiments/checkout/stop", "{}"));
    ok(t.admin("POST", "/api/v1/experiments/checkout/conclude",
        "{\"decision\":{\"outcome\":\"ship\",\"variant\":\"treatment\",\"audience\":\"everyone\",\"writeUp\":\"won\"}}"));
    assertThat(served("new")).as("shipped: everyone gets treatment").isEqualTo(1000);
  }

  private ExperimentClient sdk() {
    return ExperimentClient.builder().payload(ok(t.call("GET", "/api/features/" + clientKey, null, null)).body())
        .build();
  }

  private long served(String value) {
    ExperimentClient sdk = sdk();
    return IntStream.range(0, 1000).filter(i -> sdk.evaluate("checkout-flow", Attributes.of("id", "probe-" + i))
        .value().orElse("").equals(value)).count();
  }

  private JsonNode rollout() {
    return ok(t.admin("GET", ROLLOUT, null)).json();
  }

  /* One round of traffic: fresh units on the current payload, their exposures and $error events posted. */
  private void traffic(double controlErrors, double treatmentErrors) {
    ExperimentClient sdk = sdk();
    long now = System.currentTimeMillis();
    StringBuilder b = new StringBuilder();
    round++;
    for (int i = 0; i < 2000; i++) {
      String unit = "u-" + round + "-" + i;
      FeatureResult r = sdk.evaluate("checkout-flow", Attributes.of("id", unit));
      Optional<ExperimentResult> x = r.experimentResult().filter(ExperimentResult::inExperiment);
      if (x.isEmpty()) {
        continue;
      }
      int v = x.get().variationId();
      b.append("{\"id\":\"").append(UUID.randomUUID()).append("\",\"type\":\"exposure\",\"experimentKey\":\"")
          .append(r.experiment().orElseThrow().key()).append("\",\"variationId\":").append(v)
          .append(",\"unitId\":\"").append(unit).append("\",\"timestamp\":").append(now).append("}\n");
      if (random.nextDouble() < (v == 0 ? controlErrors : treatmentErrors)) {
        b.append("{\"id\":\"").append(UUID.randomUUID()).append("\",\"type\":\"metric\",\"name\":\"$error\",")
            .append("\"unitId\":\"").append(unit).append("\",\"timestamp\":").append(now + 1).append("}\n");
      }
    }
    if (!b.isEmpty()) {
      ok(t.send("POST", "/api/v1/events", clientKey, "application/x-ndjson",
          b.toString().getBytes(StandardCharsets.UTF_8)));
    }
  }

  @Test
  void shippedVariant_rampsThroughTheSteps_thenServedToEveryone() throws Exception {
    JsonNode put = ok(t.admin("PUT", ROLLOUT, PLAN)).json();
    assertThat(put.path("fraction").asDouble()).isEqualTo(0.2);
    long first = served("new");
    assertThat(first).as("about 20%% get the shipped value").isBetween(150L, 250L);
    assertThat(served("old")).as("the others get the control variant's value").isEqualTo(1000 - first);
    Await.until(() -> {
      traffic(0.05, 0.05);
      return rollout().path("status").asText().equals("completed");
    }, Duration.ofSeconds(60), () -> "the shipped variant's rollout completes: " + rollout());
    assertThat(rollout().path("history").findValuesAsText("action")).containsExactly("start", "advance", "complete");
    assertThat(served("new")).as("completed: the ship serves everyone").isEqualTo(1000);
    assertThat(ok(t.call("GET", "/api/features/" + clientKey, null, null)).body()).doesNotContain("rollout:");
  }

  @Test
  void shippedVariantDoublingErrors_rolledBackToControl() throws Exception {
    ok(t.admin("PUT", ROLLOUT, PLAN));
    Await.until(() -> {
      traffic(0.05, 0.10);
      return rollout().path("status").asText().equals("rolled_back");
    }, Duration.ofSeconds(60), () -> "the rollout rolls back: " + rollout());
    assertThat(rollout().path("step").asInt()).isEqualTo(-1);
    assertThat(served("old")).as("everybody gets the control variant's value").isEqualTo(1000);
  }
}
