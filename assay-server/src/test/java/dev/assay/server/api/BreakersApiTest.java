package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.testsupport.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The breaker endpoints on a real server: a bad configuration is a 400 naming the field; an
 * error regression reported through {@code POST /api/v1/events} trips the breaker, and the SDK
 * payload then serves control; the trip is audited and counted.
 */
class BreakersApiTest {
  private final TestServer t = new TestServer();
  private final SplittableRandom random = new SplittableRandom(42);

  @AfterEach
  void stop() {
    t.close();
  }

  private TestServer.Response ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 204);
    return r;
  }

  private String setUp() {
    String clientKey = ok(t.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}"))
        .json().get("key").asText();
    ok(t.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(t.admin("POST", "/api/v1/experiments", """
        {"key":"checkout","variants":[{"key":"control","weight":0.5,"value":"old"},{"key":"treatment","weight":0.5,"value":"new"}],
         "metrics":{"primary":"purchase"}}"""));
    ok(t.admin("POST", "/api/v1/flags", """
        {"key":"checkout-flow","type":"string","defaultValue":"old",
         "environments":{"production":{"enabled":true,"rules":[{"experiment":"checkout"}]}}}"""));
    ok(t.admin("POST", "/api/v1/experiments/checkout/start", "{}"));
    return clientKey;
  }

  private long treated(String clientKey) {
    ExperimentClient sdk = ExperimentClient.builder().payload(ok(t.call("GET", "/api/features/" + clientKey, null, null))
        .body()).build();
    return IntStream.range(0, 200)
        .filter(i -> sdk.evaluate("checkout-flow", Attributes.of("id", "user-" + i)).value().orElse("").equals("new"))
        .count();
  }

  /* One batch of signals: per variation n requests (latency) and errors at the given rates, as NDJSON. */
  private TestServer.Response signals(String clientKey, int n, double controlErrors, double treatmentErrors) {
    StringBuilder b = new StringBuilder();
    long now = System.currentTimeMillis();
    for (int i = 0; i < 2 * n; i++) {
      int v = i % 2;
      String tag = "{\"experimentKey\":\"checkout\",\"variationId\":" + v + "}";
      String unit = "user-" + random.nextInt(100_000);
      b.append("{\"id\":\"").append(UUID.randomUUID()).append("\",\"type\":\"metric\",\"name\":\"$latency_ms\",\"unitId\":\"")
          .append(unit).append("\",\"timestamp\":").append(now).append(",\"value\":").append(50 + random.nextInt(100))
          .append(",\"properties\":").append(tag).append("}\n");
      if (random.nextDouble() < (v == 0 ? controlErrors : treatmentErrors)) {
        b.append("{\"id\":\"").append(UUID.randomUUID()).append("\",\"type\":\"metric\",\"name\":\"$error\",\"unitId\":\"")
            .append(unit).append("\",\"timestamp\":").append(now).append(",\"properties\":").append(tag).append("}\n");
      }
    }
    return t.send("POST", "/api/v1/events", clientKey, "application/x-ndjson", b.toString().getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void errorRegression_tripsBreaker_payloadServesControl() throws Exception {
    String clientKey = setUp();
    JsonNode put = ok(t.admin("PUT", "/api/v1/experiments/checkout/breaker", "{\"errorRateMargin\":0.02}")).json();
    assertThat(put.path("state").asText()).isEqualTo("armed");
    assertThat(put.path("windowSeconds").asInt()).isEqualTo(10);
    assertThat(treated(clientKey)).as("both variants served").isBetween(50L, 150L);
    for (int i = 0; i < 5; i++) {
      assertThat(ok(signals(clientKey, 500, 0.01, 0.01)).json().path("accepted").asInt()).isGreaterThan(1000);
    }
    assertThat(t.admin("GET", "/api/v1/experiments/checkout/breaker", null).json().path("state").asText())
        .isEqualTo("armed");

    long breach = System.nanoTime();
    Await.until(() -> {
      ok(signals(clientKey, 500, 0.01, 0.2));
      return treated(clientKey) == 0;
    }, Duration.ofSeconds(30), "the payload serves control after the regression");
    long breachToKillMillis = (System.nanoTime() - breach) / 1_000_000;
    System.out.println("breach-to-kill over HTTP: " + breachToKillMillis + " ms");

    JsonNode b = ok(t.admin("GET", "/api/v1/experiments/checkout/breaker", null)).json();
    assertThat(b.path("state").asText()).isEqualTo("tripped");
    assertThat(b.at("/tripped/reason").asText()).contains("variation 1's error rate");
    JsonNode exp = ok(t.admin("GET", "/api/v1/experiments/checkout", null)).json();
    assertThat(exp.path("status").asText()).isEqualTo("stopped");
    assertThat(exp.at("/halted/by").asText()).isEqualTo("circuit-breaker");
    JsonNode audit = ok(t.admin("GET", "/api/v1/audit?kind=breaker", null)).json().path("items");
    assertThat(audit.toString()).contains("\"trip\"");
    assertThat(ok(t.call("GET", "/metrics", null, null)).body())
        .contains("assay_breaker_trips_total{target=\"experiment\"} 1.0");
    assertThat(ok(t.admin("GET", "/api/v1/breakers", null)).json().path("items")).hasSize(1);
  }

  private void assertInvalid(String path, String body, String field) {
    TestServer.Response r = t.admin("PUT", path, body);
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.json().at("/error/details/0/field").asText()).as(r.body()).isEqualTo(field);
  }

  @Test
  void badConfig_400NamingTheField() {
    setUp();
    String path = "/api/v1/experiments/checkout/breaker";
    assertInvalid(path, "{}", "errorRateMargin");
    assertInvalid(path, "{\"errorRateMargin\":\"two\"}", "errorRateMargin");
    assertInvalid(path, "{\"errorRateMargin\":1.5}", "errorRateMargin");
    assertInvalid(path, "{\"maxErrorRate\":-0.1}", "maxErrorRate");
    assertInvalid(path, "{\"maxP99Millis\":0.5,\"alpha\":0.7}", "alpha");
    assertInvalid(path, "{\"latencyP99Margin\":0.2,\"windowSeconds\":7}", "windowSeconds");
    assertInvalid(path, "{\"latencyP99Margin\":0.2,\"minSamples\":2.5}", "minSamples");
    assertInvalid(path, "{\"latencyP99Margin\":0.2,\"horizonSeconds\":1}", "horizonSeconds");
    assertInvalid(path, "{\"latencyP99Margin\":0.2,\"threshold\":1}", "threshold");
    TestServer.Response missing = t.admin("PUT", "/api/v1/flags/ghost/breaker", "{\"errorRateMargin\":0.01}");
    assertThat(missing.status()).as(missing.body()).isEqualTo(404);
    assertThat(t.admin("GET", "/api/v1/flags/checkout-flow/breaker", null).status()).isEqualTo(404);
    ok(t.admin("PUT", "/api/v1/flags/checkout-flow/breaker", "{\"maxErrorRate\":0.05}"));
    ok(t.admin("DELETE", "/api/v1/flags/checkout-flow/breaker", null));
    assertThat(t.admin("GET", "/api/v1/flags/checkout-flow/breaker", null).status()).isEqualTo(404);
  }
}
