package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.sdk.InMemoryStickyBucketService;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The proof that a bandit works end to end: four arms of known conversion rates, the real SDK
 * assigns from the server's payload (with sticky bucketing), exposures and conversions go in
 * through {@code POST /api/v1/events}, and the server's own job ({@code safety.BanditUpdates})
 * moves the weights. The server runs on a clock the test moves: each round's users arrive, then
 * the clock passes the update interval and the test waits for the new period to appear (a
 * positive signal, no sleeps). Seeded: the same allocation every run.
 */
class BanditProofTest {
  static final double[] RATES = {0.04, 0.06, 0.08, 0.12};
  static final int ROUNDS = 12;
  static final int USERS_PER_ROUND = 1_000;
  static final int RETURNING_PER_ROUND = 100;
  /** The stated margin: the bandit's cumulative regret is below this share of uniform allocation's. */
  static final double REGRET_MARGIN = 0.5;

  /** A clock the test moves. */
  static final class SimClock extends Clock {
    final AtomicLong millis = new AtomicLong(System.currentTimeMillis());

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public long millis() {
      return millis.get();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis());
    }
  }

  @Test
  void thompsonSampling_beatsUniformRegretAndEndsOnTheBestArm() throws Exception {
    SimClock clock = new SimClock();
    try (TestServer server = new TestServer(b -> b.clock(clock))) {
      prove(server, clock);
    }
  }

  /** The same on the PostgreSQL config store (the conditional period write and the lease there). */
  @Test
  void onPostgres_theSameAllocation() throws Exception {
    SimClock clock = new SimClock();
    try (TestServer server = TestServer.postgres(b -> b.clock(clock))) {
      prove(server, clock);
    }
  }

  private static void prove(TestServer server, SimClock clock) throws Exception {
    {
      ok(server.admin("POST", "/api/v1/metrics", """
          {"key":"signup","type":"proportion","event":"signup","conversionWindowHours":72}"""));
      String clientKey = server.admin("POST", "/api/v1/sdk-connections",
          "{\"name\":\"web\",\"environment\":\"production\"}").json().get("key").asText();
      ok(server.admin("POST", "/api/v1/experiments", """
          {"key":"arms","type":"bandit","variants":[{"key":"a","weight":0.25},{"key":"b","weight":0.25},
           {"key":"c","weight":0.25},{"key":"d","weight":0.25}],"metrics":{"primary":"signup"},
           "bandit":{"burnInUnits":100,"minWeight":0.01,"maxChange":0.3,"updateIntervalSeconds":60}}"""));
      ok(server.admin("POST", "/api/v1/flags", """
          {"key":"arms-flag","type":"string","defaultValue":"a",
           "environments":{"production":{"rules":[{"experiment":"arms"}]}}}"""));
      ok(server.admin("POST", "/api/v1/experiments/arms/start", "{}"));

      InMemoryStickyBucketService sticky = new InMemoryStickyBucketService();
      SplittableRandom rnd = new SplittableRandom(20_261_202);
      Map<String, Integer> seen = new HashMap<>();
      List<String> seenIds = new ArrayList<>();
      double regret = 0;
      long eventId = 0;
      int returningChanged = 0;
      double best = RATES[RATES.length - 1];
      String previousPayload = "";
      for (int round = 0; round < ROUNDS; round++) {
        TestServer.Response payload = awaitPayload(server, clientKey, previousPayload);
        previousPayload = payload.body();
        ExperimentClient sdk = ExperimentClient.builder().payload(payload.body()).stickyBucketService(sticky).build();
        StringBuilder batch = new StringBuilder();
        long t = clock.millis();
        for (int i = 0; i < RETURNING_PER_ROUND && !seenIds.isEmpty(); i++) {
          String id = seenIds.get(rnd.nextInt(seenIds.size()));
          int v = sdk.evaluate("arms-flag", Attributes.of("id", id)).experimentResult().orElseThrow().variationId();
          returningChanged += v == seen.get(id) ? 0 : 1;
        }
        for (int u = 0; u < USERS_PER_ROUND; u++) {
          String id = "r" + round + "-u" + u;
          int v = sdk.evaluate("arms-flag", Attributes.of("id", id)).experimentResult().orElseThrow().variationId();
          seen.put(id, v);
          seenIds.add(id);
          regret += best - RATES[v];
          long ts = t + u;
          batch.append("{\"id\":\"e").append(eventId++).append("\",\"type\":\"exposure\",\"unitId\":\"").append(id)
              .append("\",\"experimentKey\":\"arms\",\"variationId\":").append(v).append(",\"timestamp\":").append(ts)
              .append("}\n");
          if (rnd.nextDouble() < RATES[v]) {
            batch.append("{\"id\":\"e").append(eventId++).append("\",\"type\":\"metric\",\"name\":\"signup\",\"unitId\":\"")
                .append(id).append("\",\"timestamp\":").append(ts + 1).append("}\n");
          }
        }
        TestServer.Response r = server.send("POST", "/api/v1/events", clientKey, "application/x-ndjson",
            batch.toString().getBytes(StandardCharsets.UTF_8));
        ok(r);
        assertThat(r.json().get("rejected").size()).as(r.body()).isZero();
        clock.millis.addAndGet(61_000);
        awaitPeriods(server, round + 1);
      }
      JsonNode phase = server.admin("GET", "/api/v1/experiments/arms", null).json().at("/phases/0");
      JsonNode last = phase.at("/periods/" + (ROUNDS - 1) + "/weights");
      double uniformRegret = ROUNDS * USERS_PER_ROUND * (best - (RATES[0] + RATES[1] + RATES[2] + RATES[3]) / 4);
      System.out.printf("bandit regret %.1f, uniform %.1f (ratio %.3f), final weights %s%n", regret, uniformRegret,
          regret / uniformRegret, last);
      assertThat(regret).isLessThan(REGRET_MARGIN * uniformRegret);
      for (int i = 0; i < RATES.length - 1; i++) {
        assertThat(last.get(RATES.length - 1).asDouble()).isGreaterThan(last.get(i).asDouble());
      }
      assertThat(returningChanged).as("returning units keep their arm (sticky bucketing)").isZero();
      for (JsonNode p : phase.path("periods")) {
        double sum = 0;
        for (JsonNode w : p.path("weights")) {
          assertThat(w.asDouble()).isGreaterThanOrEqualTo(0.01 - 1e-12);
          sum += w.asDouble();
        }
        assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
      }
      JsonNode history = server.admin("GET", "/api/v1/experiments/arms/bandit", null).json();
      assertThat(history.at("/series/t").size()).isEqualTo(ROUNDS + 1);
      assertThat(history.at("/series/weights/d/" + ROUNDS).asDouble()).isEqualTo(last.get(3).asDouble());
      assertThat(history.at("/periods/0/units/0").asLong()).isGreaterThanOrEqualTo(100);
      JsonNode audit = server.admin("GET", "/api/v1/audit", null).json();
      assertThat(audit.toString()).contains("bandit_update");
    }
  }

  /** Polls the SDK payload until it differs from the previous round's (the new weights are compiled in). */
  private static TestServer.Response awaitPayload(TestServer server, String clientKey, String previous)
      throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      TestServer.Response r = server.call("GET", "/api/features/" + clientKey, null, null);
      ok(r);
      if (!r.body().equals(previous)) {
        return r;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("the payload did not change within 30 s");
  }

  /** Polls the experiment until its phase has {@code n} bandit periods (30 s at most). */
  private static void awaitPeriods(TestServer server, int n) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      JsonNode e = server.admin("GET", "/api/v1/experiments/arms", null).json();
      if (e.at("/phases/0/periods").size() >= n) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no bandit period " + n + " within 30 s");
  }

  private static void ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 299);
  }
}
