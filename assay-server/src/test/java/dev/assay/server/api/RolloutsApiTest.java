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
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Progressive rollouts on a real server with simulated traffic: units are assigned by evaluating
 * the SDK payload, their exposures and {@code $error} events go through {@code POST
 * /api/v1/events}, the evaluator ticks every 200 ms. A healthy rollout ramps to 100% (and a unit
 * once treated stays treated); one whose treatment doubles the error rate rolls back within its
 * first step. Bad plans are 400s naming the field.
 */
class RolloutsApiTest {
  private static final String PLAN = """
      {"rule":0,"steps":[0.2,0.5,1.0],"dwellSeconds":1,"settleSeconds":1,"minUnitsPerStep":200,
       "gates":{"errorRateMargin":0.03,"srm":true}}""";
  private final TestServer t = new TestServer(b -> b.rolloutTick(Duration.ofMillis(200)));
  private final SplittableRandom random = new SplittableRandom(7);
  private int round;

  @AfterEach
  void stop() {
    t.close();
  }

  private static TestServer.Response ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 204);
    return r;
  }

  private String setUp() {
    String clientKey = ok(t.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}"))
        .json().get("key").asText();
    ok(t.admin("POST", "/api/v1/flags", """
        {"key":"checkout-flow","type":"string","defaultValue":"old",
         "environments":{"production":{"enabled":true,"rules":[{"value":"new"}]}}}"""));
    return clientKey;
  }

  private ExperimentClient sdk(String clientKey) {
    return ExperimentClient.builder().payload(ok(t.call("GET", "/api/features/" + clientKey, null, null)).body())
        .build();
  }

  /* One round of traffic: fresh units evaluated on the current payload, exposures and errors posted. */
  private void traffic(String clientKey, int units, double controlErrors, double treatmentErrors) {
    ExperimentClient sdk = sdk(clientKey);
    long now = System.currentTimeMillis();
    StringBuilder b = new StringBuilder();
    round++;
    for (int i = 0; i < units; i++) {
      String unit = "u-" + round + "-" + i;
      FeatureResult r = sdk.evaluate("checkout-flow", Attributes.of("id", unit));
      Optional<ExperimentResult> x = r.experimentResult().filter(ExperimentResult::inExperiment);
      if (x.isEmpty()) {
        continue;
      }
      int v = x.get().variationId();
      b.append("{\"id\":\"").append(UUID.randomUUID()).append("\",\"type\":\"exposure\",\"experimentKey\":\"")
          .append(r.experiment().orElseThrow().key()).append("\",\"variationId\":").append(v).append(",\"unitId\":\"").append(unit)
          .append("\",\"timestamp\":").append(now).append("}\n");
      if (random.nextDouble() < (v == 0 ? controlErrors : treatmentErrors)) {
        b.append("{\"id\":\"").append(UUID.randomUUID()).append("\",\"type\":\"metric\",\"name\":\"$error\",\"unitId\":\"")
            .append(unit).append("\",\"timestamp\":").append(now + 1).append("}\n");
      }
      if (b.length() > 200_000) {
        post(clientKey, b);
      }
    }
    if (!b.isEmpty()) {
      post(clientKey, b);
    }
  }

  private void post(String clientKey, StringBuilder b) {
    ok(t.send("POST", "/api/v1/events", clientKey, "application/x-ndjson", b.toString().getBytes(StandardCharsets.UTF_8)));
    b.setLength(0);
  }

  private Set<Integer> treated(String clientKey) {
    ExperimentClient sdk = sdk(clientKey);
    return IntStream.range(0, 1000).filter(i -> sdk.evaluate("checkout-flow", Attributes.of("id", "probe-" + i))
        .value().orElse("").equals("new")).boxed().collect(Collectors.toSet());
  }

  private JsonNode rollout() {
    return ok(t.admin("GET", "/api/v1/flags/checkout-flow/rollout?environment=production", null)).json();
  }

  @Test
  void healthyTraffic_rampsTo100Percent_treatedUnitsStayTreated() throws Exception {
    String clientKey = setUp();
    assertThat(treated(clientKey)).as("before the rollout the rule serves everyone").hasSize(1000);
    JsonNode put = ok(t.admin("PUT", "/api/v1/flags/checkout-flow/rollout?environment=production", PLAN)).json();
    assertThat(put.path("status").asText()).isEqualTo("running");
    assertThat(put.path("fraction").asDouble()).isEqualTo(0.2);
    Set<Integer> first = treated(clientKey);
    assertThat(first.size()).as("about 20%% treated").isBetween(150, 250);

    Set<Integer> previous = first;
    long start = System.nanoTime();
    long[] steps = {0};
    Set<Integer>[] last = new Set[] {previous};
    Await.until(() -> {
      traffic(clientKey, 2000, 0.05, 0.05);
      Set<Integer> now = treated(clientKey);
      if (!now.containsAll(last[0])) {
        throw new AssertionError("raising the fraction moved treated units back: " + last[0].size() + " -> "
            + now.size() + "; " + rollout());
      }
      last[0] = now;
      return rollout().path("status").asText().equals("completed");
    }, Duration.ofSeconds(60), () -> "the rollout completes: " + rollout());
    System.out.println("healthy rollout 0.2 -> 0.5 -> 1.0 completed in " + (System.nanoTime() - start) / 1_000_000
        + " ms");

    String metrics = ok(t.call("GET", "/metrics", null, null)).body();
    System.out.println("rollout looks: " + metrics.lines().filter(l -> l.startsWith("assay_rollout_looks_seconds_"))
        .toList());
    JsonNode done = rollout();
    assertThat(done.path("history").findValuesAsText("action")).containsExactly("start", "advance", "complete");
    assertThat(treated(clientKey)).hasSize(1000);
    String payload = ok(t.call("GET", "/api/features/" + clientKey, null, null)).body();
    assertThat(payload).as("completed: the rule is a plain force rule again").doesNotContain("rollout:checkout-flow");
    JsonNode audit = ok(t.admin("GET", "/api/v1/audit?kind=rollout", null)).json().path("items");
    assertThat(audit.findValuesAsText("action")).contains("create", "advance");
    assertThat(ok(t.admin("GET", "/api/v1/rollouts", null)).json().path("items")).hasSize(1);
  }

  @Test
  void treatmentDoublesErrorRate_rolledBackWithinFirstStep() throws Exception {
    String clientKey = setUp();
    ok(t.admin("PUT", "/api/v1/flags/checkout-flow/rollout?environment=production", PLAN));
    long start = System.nanoTime();
    Await.until(() -> {
      traffic(clientKey, 2000, 0.05, 0.10);
      return rollout().path("status").asText().equals("rolled_back");
    }, Duration.ofSeconds(60), () -> "the rollout rolls back: " + rollout());
    System.out.println("doubled error rate rolled back in " + (System.nanoTime() - start) / 1_000_000 + " ms");
    JsonNode r = rollout();
    assertThat(r.path("step").asInt()).as("from the first step back to control").isEqualTo(-1);
    assertThat(r.path("history").findValuesAsText("action")).containsExactly("start", "rollback");
    assertThat(r.path("history").get(1).path("reason").asText()).contains("error_rate");
    assertThat(treated(clientKey)).as("everybody gets control").isEmpty();

    // By hand: resume at the first step, pause, advance, roll back.
    assertThat(ok(t.admin("POST", "/api/v1/flags/checkout-flow/rollout/resume?environment=production", "{}")).json()
        .path("step").asInt()).isEqualTo(0);
    assertThat(ok(t.admin("POST", "/api/v1/flags/checkout-flow/rollout/pause?environment=production",
        "{\"reason\":\"investigating\"}")).json().path("status").asText()).isEqualTo("paused");
    JsonNode advanced = ok(t.admin("POST", "/api/v1/flags/checkout-flow/rollout/advance?environment=production", "{}"))
        .json();
    assertThat(advanced.path("fraction").asDouble()).isEqualTo(0.5);
    assertThat(advanced.path("status").asText()).isEqualTo("paused");
    assertThat(ok(t.admin("POST", "/api/v1/flags/checkout-flow/rollout/rollback?environment=production", "{}")).json()
        .path("fraction").asDouble()).isEqualTo(0.2);
  }

  private void assertInvalid(String method, String path, String body, String field) {
    TestServer.Response r = t.admin(method, path, body);
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.json().at("/error/details/0/field").asText()).as(r.body()).isEqualTo(field);
  }

  @Test
  void badPlan_400NamingTheField() {
    setUp();
    String path = "/api/v1/flags/checkout-flow/rollout?environment=production";
    assertInvalid("PUT", path, "{}", "steps");
    assertInvalid("PUT", path, "[1]", "body");
    assertInvalid("PUT", path, "{\"steps\":[1.0]}", "steps");
    assertInvalid("PUT", path, "{\"steps\":[0.5,0.2,1.0]}", "steps[1]");
    assertInvalid("PUT", path, "{\"steps\":[0.5,\"x\",1.0]}", "steps[1]");
    assertInvalid("PUT", path, "{\"steps\":[0.1,0.5]}", "steps");
    assertInvalid("PUT", path, "{\"steps\":[0,1.0]}", "steps[0]");
    assertInvalid("PUT", path, "{\"steps\":[0.1,1.0],\"rule\":3}", "rule");
    assertInvalid("PUT", path, "{\"steps\":[0.1,1.0],\"rule\":-1}", "rule");
    assertInvalid("PUT", path, "{\"steps\":[0.1,1.0],\"dwellSeconds\":1.5}", "dwellSeconds");
    assertInvalid("PUT", path, "{\"steps\":[0.1,1.0],\"control\":42}", "control");
    assertInvalid("PUT", path, "{\"steps\":[0.1,1.0],\"settleSeconds\":-1}", "settleSeconds");
    assertInvalid("PUT", path, "{\"steps\":[0.1,1.0],\"speed\":1}", "speed");
    assertInvalid("PUT", path, "{\"steps\":[0.1,1.0],\"gates\":{\"errorRateMargin\":2}}", "gates.errorRateMargin");
    assertInvalid("PUT", path, "{\"steps\":[0.1,1.0],\"gates\":{\"alpha\":0.9}}", "gates.alpha");
    assertInvalid("PUT", path, "{\"steps\":[0.1,1.0],\"gates\":{\"srm\":\"yes\"}}", "gates.srm");
    assertInvalid("PUT", path, "{\"steps\":[0.1,1.0],\"gates\":{\"guardrails\":[{\"metric\":\"x\"}]}}",
        "gates.guardrails[0].margin");
    assertInvalid("PUT", path, "{\"steps\":[0.1,1.0],\"gates\":{\"guardrails\":[{\"metric\":\"x\",\"margin\":1,"
        + "\"m\":1}]}}", "gates.guardrails[0].m");
    assertInvalid("PUT", "/api/v1/flags/checkout-flow/rollout", "{\"steps\":[0.1,1.0]}", "environment");
    assertInvalid("PUT", "/api/v1/flags/checkout-flow/rollout?environment=../x", "{\"steps\":[0.1,1.0]}",
        "environment");
    TestServer.Response missingMetric = t.admin("PUT", path,
        "{\"steps\":[0.1,1.0],\"gates\":{\"guardrails\":[{\"metric\":\"ghost\",\"margin\":1}]}}");
    assertThat(missingMetric.status()).as(missingMetric.body()).isBetween(400, 404);
    assertThat(t.admin("PUT", "/api/v1/flags/ghost/rollout?environment=production", "{\"steps\":[0.1,1.0]}").status())
        .isEqualTo(404);
    assertThat(t.admin("GET", path, null).status()).isEqualTo(404);
    assertThat(t.admin("POST", "/api/v1/flags/checkout-flow/rollout/pause?environment=production", "{}").status())
        .isEqualTo(404);
    ok(t.admin("PUT", path, "{\"steps\":[0.1,1.0]}"));
    assertInvalid("POST", "/api/v1/flags/checkout-flow/rollout/pause?environment=production", "{\"why\":1}", "why");
    ok(t.admin("POST", "/api/v1/flags/checkout-flow/rollout/advance?environment=production", "{}"));
    assertThat(t.admin("POST", "/api/v1/flags/checkout-flow/rollout/pause?environment=production", "{}").status())
        .as("a completed rollout takes no action").isEqualTo(409);
    ok(t.admin("DELETE", path, null));
    assertThat(t.admin("GET", path, null).status()).isEqualTo(404);
  }
}
