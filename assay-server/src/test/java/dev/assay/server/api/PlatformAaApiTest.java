package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.analysis.PlatformAa;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.hipparchus.distribution.continuous.UniformRealDistribution;
import org.hipparchus.stat.inference.KolmogorovSmirnovTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The platform A/A check end to end on the embedded warehouse: events through the API, runs through
 * {@code POST /platform/aa/runs}, the verdict through {@code GET /platform/aa}. Only the control's
 * units are split, into two halves of about equal size that change with every run's salt, and on
 * a correct platform the pooled p-values pass both uniformity checks.
 */
class PlatformAaApiTest {
  private static final int UNITS = 2_000;
  private TestServer server;

  @BeforeEach
  void start() {
    server = new TestServer();
    String clientKey = server.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
        .json().get("key").asText();
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}"));
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"revenue\",\"type\":\"mean\",\"event\":\"revenue\"}"));
    ok(server.admin("POST", "/api/v1/metrics", "{\"key\":\"latency\",\"type\":\"quantile\",\"event\":\"latency\",\"quantile\":0.9}"));
    ok(server.admin("POST", "/api/v1/experiments", """
        {"key":"checkout","variants":[{"key":"control","weight":0.5},{"key":"treatment","weight":0.5}],
         "metrics":{"primary":"purchase","secondary":["revenue","latency"]}}"""));
    ok(server.admin("POST", "/api/v1/experiments/checkout/start", "{}"));
    long now = System.currentTimeMillis();
    SplittableRandom random = new SplittableRandom(2026);
    StringBuilder body = new StringBuilder("[");
    for (int u = 0; u < UNITS; u++) {
      int variation = u % 2;
      body.append(body.length() > 1 ? "," : "").append("{\"id\":\"x").append(u).append("\",\"type\":\"exposure\",")
          .append("\"experimentKey\":\"checkout\",\"variationId\":").append(variation).append(",\"unitId\":\"u").append(u)
          .append("\",\"timestamp\":").append(now).append('}');
      if (random.nextDouble() < 0.3) {
        body.append(",{\"id\":\"p").append(u).append("\",\"type\":\"metric\",\"name\":\"purchase\",\"unitId\":\"u")
            .append(u).append("\",\"timestamp\":").append(now + 1).append('}');
      }
      body.append(",{\"id\":\"r").append(u).append("\",\"type\":\"metric\",\"name\":\"revenue\",\"unitId\":\"u")
          .append(u).append("\",\"timestamp\":").append(now + 2).append(",\"value\":")
          .append(-20 * Math.log(1 - random.nextDouble())).append('}');
    }
    body.append(']');
    TestServer.Response posted = server.send("POST", "/api/v1/events", clientKey, "application/json",
        body.toString().getBytes(StandardCharsets.UTF_8));
    assertThat(posted.status()).as(posted.body()).isEqualTo(200);
    assertThat(posted.json().path("rejected").size()).as(posted.body()).isZero();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void beforeAnyRun_insufficient() {
    JsonNode v = server.admin("GET", "/api/v1/platform/aa", null).json();
    assertThat(v.get("status").asText()).isEqualTo("insufficient");
    assertThat(v.get("runs").asInt()).isZero();
  }

  @Test
  void runs_splitTheControlOnly_freshEachRun_andACorrectPlatformPasses() {
    String firstMeanA = null;
    boolean splitChanged = false;
    JsonNode verdict = null;
    int runs = 20;
    List<JsonNode> made = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      TestServer.Response r = server.admin("POST", "/api/v1/platform/aa/runs", "{}");
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      verdict = r.json();
      JsonNode run = verdict.get("run");
      made.add(run);
      assertThat(run.get("tests")).as(run.toString()).hasSize(2); // purchase and revenue
      assertThat(run.at("/skipped/0/metric").asText()).isEqualTo("latency");
      for (JsonNode t : run.get("tests")) {
        long a = t.get("unitsA").asLong();
        long b = t.get("unitsB").asLong();
        assertThat(a + b).as("only the control's units are split").isEqualTo(UNITS / 2);
        // Bin(1000, 1/2): within 4.5 standard deviations (±71) of 500.
        assertThat(a).isBetween(429L, 571L);
        assertThat(t.get("pValue").asDouble()).isBetween(0.0, 1.0);
      }
      String meanA = run.at("/tests/0/meanA").asText();
      if (firstMeanA == null) {
        firstMeanA = meanA;
      } else if (!firstMeanA.equals(meanA)) {
        splitChanged = true;
      }
    }
    assertThat(splitChanged).as("each run draws a new split").isTrue();
    assertThat(verdict.get("runs").asInt()).isEqualTo(runs);
    assertThat(verdict.get("pValues").asInt()).isEqualTo(2 * runs);
    assertThat(verdict.get("series")).hasSize(runs);
    // A correct platform: both checks above the bias level (each fails by chance with p = 0.001).
    assertThat(verdict.get("status").asText()).as(verdict.toString()).isEqualTo("ok");
    assertThat(verdict.get("ksPValue").asDouble()).isGreaterThanOrEqualTo(PlatformAa.BIAS_LEVEL);
    JsonNode got = server.admin("GET", "/api/v1/platform/aa", null).json();
    assertThat(got.get("pValues").asInt()).isEqualTo(2 * runs);
    assertThat(got.get("falsePositiveRate").asDouble()).isEqualTo(verdict.get("falsePositiveRate").asDouble());
    assertOverTime(got, made);
  }

  /**
   * The series over time against the runs as they were answered, oldest first: each run's time, its
   * share of p-values below α, and pooled up to it (from 30 p-values on, as the verdict) the rate and
   * the Kolmogorov–Smirnov p-value computed here with Hipparchus; the last point is the verdict's.
   */
  private static void assertOverTime(JsonNode verdict, List<JsonNode> runs) {
    JsonNode s = verdict.get("overTime");
    assertThat(s.get("t")).hasSize(runs.size());
    List<Double> pooled = new ArrayList<>();
    for (int i = 0; i < runs.size(); i++) {
      JsonNode run = runs.get(i);
      assertThat(s.get("t").get(i).asLong()).isEqualTo(Instant.parse(run.get("at").asText()).toEpochMilli());
      int below = 0;
      for (JsonNode t : run.get("tests")) {
        pooled.add(t.get("pValue").asDouble());
        below += t.get("pValue").asDouble() < 0.05 ? 1 : 0;
      }
      assertThat(s.get("falsePositives").get(i).asInt()).isEqualTo(below);
      assertThat(s.get("falsePositiveRate").get(i).asDouble()).isEqualTo(below / 2.0);
      if (pooled.size() < 30) {
        assertThat(s.get("ksPValue").get(i).isNull()).as("point %d: %d p-values", i, pooled.size()).isTrue();
        continue;
      }
      double[] p = pooled.stream().mapToDouble(Double::doubleValue).toArray();
      long rejections = pooled.stream().filter(v -> v < 0.05).count();
      assertThat(s.get("pooledFalsePositiveRate").get(i).asDouble()).isEqualTo((double) rejections / p.length);
      double ks = new KolmogorovSmirnovTest().kolmogorovSmirnovTest(new UniformRealDistribution(0, 1), p, true);
      assertThat(s.get("ksPValue").get(i).asDouble()).as("point %d", i).isCloseTo(ks, within(1e-9));
    }
    int last = runs.size() - 1;
    assertThat(s.get("ksPValue").get(last).asDouble()).isEqualTo(verdict.get("ksPValue").asDouble());
    assertThat(s.get("pooledFalsePositiveRate").get(last).asDouble())
        .isEqualTo(verdict.get("falsePositiveRate").asDouble());
  }

  @Test
  void run_withAnOptionField_is400NamingIt() {
    TestServer.Response r = server.admin("POST", "/api/v1/platform/aa/runs", "{\"salt\":\"mine\"}");
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    assertThat(r.body()).contains("salt");
  }

  private static void ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 299);
  }
}
