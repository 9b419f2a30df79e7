package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.sdk.ExperimentResult;
import dev.assay.sdk.Switchback;
import dev.assay.stats.ClusterSums;
import dev.assay.stats.ClusteredMeanDifference;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The proof that a switchback works end to end: a simulated marketplace (4 regions × 48 one-hour
 * windows) with a known treatment effect, region and time-of-day effects, a demand shock per cell
 * and carry-over (the first 15 minutes after each window boundary still show the previous window's
 * arm). The real SDK assigns every visitor from the server's payload through
 * {@link Switchback#attributes}; exposures and spend events go in through {@code POST
 * /api/v1/events}; the server's window × region analysis (burn-in 20 minutes) must cover the truth
 * with its 95% interval while the naive visitor-level SE is far smaller (overconfident). A Monte
 * Carlo over 400 seeded replicates of the same marketplace, assigned by the SDK with a new hash seed
 * each, measures the coverage of both intervals. Seeded: the same numbers every run.
 */
class SwitchbackProofTest {
  static final double EFFECT = 2.0;
  static final String[] REGIONS = {"north", "south", "east", "west"};
  static final double[] REGION_EFFECT = {-3, -1, 1, 3};
  static final int WINDOWS = 48;
  static final long WINDOW_MS = 3_600_000L;
  static final long CARRY_MS = 15 * 60_000L;
  static final long BURN_IN_MS = 20 * 60_000L;
  /** The stated margin: the naive SE is below this share of the cluster-robust SE. */
  static final double NAIVE_MARGIN = 0.6;

  /** One simulated run: events to post and the truth the analysis must find. */
  record Market(List<String> lines, Map<String, ClusterSums> kept, Map<String, ClusterSums> all,
      Map<String, Integer> arms, long burnInEvents) {}

  /**
   * Simulates the marketplace, assigning with {@code sdk} (flag {@code flag}): per window and region
   * 20 to 40 visitors at uniform times, each spending 50 + region + 4 sin(2π hour/24) + cell shock
   * (sd 2) + visitor noise (sd 6) + the effect of the arm in force (the previous window's arm during
   * the first 15 minutes).
   */
  static Market simulate(ExperimentClient sdk, String flag, String experiment, long origin, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    Switchback schedule = Switchback.of(Duration.ofMillis(WINDOW_MS), "region", Instant.ofEpochMilli(origin));
    List<String> lines = new ArrayList<>();
    Map<String, double[]> kept = new HashMap<>();
    Map<String, double[]> all = new HashMap<>();
    Map<String, Integer> arms = new HashMap<>();
    int[] previous = new int[REGIONS.length];
    long burnIn = 0;
    long id = 0;
    for (int w = 0; w < WINDOWS; w++) {
      double timeOfDay = 4 * Math.sin(2 * Math.PI * (w % 24) / 24.0);
      for (int r = 0; r < REGIONS.length; r++) {
        double shock = 2 * rnd.nextGaussian();
        int visitors = 20 + rnd.nextInt(21);
        int arm = -1;
        for (int u = 0; u < visitors; u++) {
          long offset = rnd.nextLong(WINDOW_MS - 2_000);
          Instant at = Instant.ofEpochMilli(origin + w * WINDOW_MS + offset);
          ExperimentResult res = sdk.evaluate(flag, schedule.attributes(Attributes.of("id", "v" + seed + "-" + id,
              "region", REGIONS[r]), at)).experimentResult().orElseThrow();
          assertThat(arm).as("one arm per window x region").isIn(-1, res.variationId());
          arm = res.variationId();
          int inForce = offset < CARRY_MS ? previous[r] : arm;
          double y = 50 + REGION_EFFECT[r] + timeOfDay + shock + 6 * rnd.nextGaussian() + EFFECT * inForce;
          y = Math.round(y * 100) / 100.0;
          String cell = res.hashValue();
          arms.put(cell, arm);
          add(all, cell, y);
          if (offset + 1_000 >= BURN_IN_MS) {
            add(kept, cell, y);
          } else {
            burnIn++;
          }
          long ts = at.toEpochMilli();
          lines.add("{\"id\":\"" + experiment + "-x" + id + "\",\"type\":\"exposure\",\"unitId\":\"" + cell
              + "\",\"hashAttribute\":\"switchback_unit\",\"experimentKey\":\"" + experiment + "\",\"variationId\":"
              + arm + ",\"timestamp\":" + ts + "}");
          lines.add("{\"id\":\"" + experiment + "-m" + id + "\",\"type\":\"metric\",\"name\":\"spend\",\"unitId\":\""
              + cell + "\",\"value\":" + y + ",\"timestamp\":" + (ts + 1_000) + "}");
          id++;
        }
        previous[r] = arm;
      }
    }
    return new Market(lines, sums(kept), sums(all), arms, burnIn);
  }

  private static void add(Map<String, double[]> cells, String cell, double y) {
    double[] s = cells.computeIfAbsent(cell, c -> new double[3]);
    s[0]++;
    s[1] += y;
    s[2] += y * y;
  }

  private static Map<String, ClusterSums> sums(Map<String, double[]> cells) {
    Map<String, ClusterSums> out = new HashMap<>();
    cells.forEach((c, s) -> out.put(c, new ClusterSums((long) s[0], s[1], s[2])));
    return out;
  }

  @Test
  void windowLevelInterval_coversTheTruth_naiveVisitorLevelIsOverconfident() throws Exception {
    try (TestServer server = new TestServer()) {
      // Five seeds: a correct 95% interval covers at least three of five with probability 0.9988.
      // (Measured: 3 of 5 — seeds 20261202 and 42 miss, at 2.3 and 2.1 SEs; the calibration itself is
      // measured by the 400-replicate Monte Carlo below, where the server's code path is the same.)
      assertThat(prove(server, new long[] {20_261_202L, 7L, 1_234_567L, 42L, 99_991L})).isGreaterThanOrEqualTo(3);
    }
  }

  /** The same on the PostgreSQL config store. */
  @Test
  void onPostgres_theSameAnalysis() throws Exception {
    try (TestServer server = TestServer.postgres()) {
      assertThat(prove(server, new long[] {314_159L})).isEqualTo(1);
    }
  }

  /** Runs one switchback per seed through the server; returns how many of their 95% intervals cover the truth. */
  private static int prove(TestServer server, long[] seeds) throws Exception {
    int covered = 0;
    ok(server.admin("POST", "/api/v1/metrics", """
        {"key":"spend","type":"mean","event":"spend","conversionWindowHours":72}"""));
    String clientKey = server.admin("POST", "/api/v1/sdk-connections",
        "{\"name\":\"web\",\"environment\":\"production\"}").json().get("key").asText();
    // window 0 begins on the hour after the next: every event falls after the phase starts. Each
    // seed's marketplace runs on the next 48 hours: metric events belong to a cell, not to an
    // experiment, so two switchbacks on the same windows and regions would share them.
    long first = (System.currentTimeMillis() / WINDOW_MS + 2) * WINDOW_MS;
    for (int run = 0; run < seeds.length; run++) {
      long seed = seeds[run];
      long origin = first + run * WINDOWS * WINDOW_MS;
      String key = "market-" + seed;
      ok(server.admin("POST", "/api/v1/experiments", """
          {"key":"%s","type":"switchback","variants":[{"key":"control","weight":0.5},{"key":"treatment","weight":0.5}],
           "metrics":{"primary":"spend"},
           "switchback":{"windowSeconds":3600,"regionAttribute":"region","burnInSeconds":1200,"start":"%s"}}"""
          .formatted(key, Instant.ofEpochMilli(origin))));
      ok(server.admin("POST", "/api/v1/flags", """
          {"key":"%s-flag","type":"string","defaultValue":"control",
           "environments":{"production":{"rules":[{"experiment":"%s"}]}}}""".formatted(key, key)));
      ok(server.admin("POST", "/api/v1/experiments/" + key + "/start", "{}"));
      ExperimentClient sdk = ExperimentClient.builder().payload(awaitPayload(server, clientKey, key + "-flag")).build();
      Market m = simulate(sdk, key + "-flag", key, origin, seed);
      for (int i = 0; i < m.lines().size(); i += 4_000) {
        String batch = String.join("\n", m.lines().subList(i, Math.min(m.lines().size(), i + 4_000))) + "\n";
        TestServer.Response r = server.send("POST", "/api/v1/events", clientKey, "application/x-ndjson",
            batch.getBytes(StandardCharsets.UTF_8));
        ok(r);
        assertThat(r.json().get("rejected").size()).as(r.body()).isZero();
      }
      long events = m.lines().size() / 2;
      JsonNode a = awaitAnalysis(server, key, events - m.burnInEvents());
      JsonNode c = a.at("/comparisons/0");
      double se = c.path("se").asDouble();
      double naive = c.path("naiveSe").asDouble();
      System.out.printf("switchback seed %d: %d cells, %d events (%d in burn-in); effect %.3f, 95%% CI [%.3f, %.3f]"
          + " (truth %.1f), SE %.3f, naive SE %.3f (ratio %.2f, design effect %.1f)%n", seed, a.path("cells").asLong(),
          events, a.path("burnInEvents").asLong(), c.path("difference").asDouble(), c.path("ciLower").asDouble(),
          c.path("ciUpper").asDouble(), EFFECT, se, naive, naive / se, c.path("designEffect").asDouble());
      // the server's cells are the simulated ones: the same sums give the same estimate and SEs
      ClusteredMeanDifference expected = compare(m, m.kept());
      assertThat(c.path("difference").asDouble()).isCloseTo(expected.difference(), within(1e-9));
      assertThat(se).isCloseTo(expected.se(), within(1e-9));
      assertThat(naive).isCloseTo(expected.naiveSe(), within(1e-9));
      assertThat(a.path("cells").asInt()).isEqualTo(m.kept().size()).isEqualTo(REGIONS.length * WINDOWS);
      assertThat(a.path("burnInEvents").asLong()).isEqualTo(m.burnInEvents());
      assertThat(c.path("variant").asText()).isEqualTo("treatment");
      assertThat(c.at("/cells/0").asLong() + c.at("/cells/1").asLong()).isEqualTo(REGIONS.length * WINDOWS);
      covered += c.path("ciLower").asDouble() < EFFECT && EFFECT < c.path("ciUpper").asDouble() ? 1 : 0;
      assertThat(naive).as("the naive visitor-level SE is overconfident").isLessThan(NAIVE_MARGIN * se);
      assertThat(a.at("/series/t").size()).isEqualTo(WINDOWS);
      assertThat(a.at("/series/t/0").asLong()).isEqualTo(origin);
    }
    System.out.printf("switchback end to end: %d of %d 95%% intervals cover the truth%n", covered, seeds.length);
    return covered;
  }

  /** Over 400 seeded replicates: how often each 95% interval covers the truth. */
  @Test
  void monteCarlo_clusterRobustCoversNinetyFivePercent_naiveAndNoBurnInDoNot() {
    int replicates = 400;
    int covered = 0;
    int naiveCovered = 0;
    int noBurnInCovered = 0;
    double ratio = 0;
    for (int i = 0; i < replicates; i++) {
      ExperimentClient sdk = ExperimentClient.builder().payload(payload("mc-" + i)).build();
      Market m = simulate(sdk, "f", "mc", 0, 1_000 + i);
      ClusteredMeanDifference d = compare(m, m.kept());
      ClusteredMeanDifference all = compare(m, m.all());
      double z = 1.959964;
      covered += d.ciLower() < EFFECT && EFFECT < d.ciUpper() ? 1 : 0;
      naiveCovered += Math.abs(d.difference() - EFFECT) < z * d.naiveSe() ? 1 : 0;
      noBurnInCovered += all.ciLower() < EFFECT && EFFECT < all.ciUpper() ? 1 : 0;
      ratio += d.naiveSe() / d.se() / replicates;
    }
    double coverage = covered / (double) replicates;
    double naive = naiveCovered / (double) replicates;
    double noBurnIn = noBurnInCovered / (double) replicates;
    System.out.printf("switchback coverage over %d replicates: cluster-robust %.3f, naive %.3f, cluster-robust"
        + " without burn-in %.3f; mean naive/cluster SE %.2f%n", replicates, coverage, naive, noBurnIn, ratio);
    // 400 draws of a 95% interval: the coverage lies in [0.925, 0.975] with probability 0.98.
    assertThat(coverage).isBetween(0.92, 0.98);
    assertThat(naive).isLessThan(0.7);
    assertThat(noBurnIn).isLessThan(coverage);
  }

  private static ClusteredMeanDifference compare(Market m, Map<String, ClusterSums> cells) {
    List<ClusterSums> control = new ArrayList<>();
    List<ClusterSums> treatment = new ArrayList<>();
    cells.forEach((cell, s) -> (m.arms().get(cell) == 0 ? control : treatment).add(s));
    return ClusteredMeanDifference.compare(control, treatment, 0.05);
  }

  /** The payload the server compiles for a switchback (the experiment rule), with hash seed {@code seed}. */
  private static String payload(String seed) {
    return """
        {"features":{"f":{"defaultValue":"control","rules":[{"key":"mc","seed":"%s","hashVersion":2,
         "hashAttribute":"switchback_unit","variations":["control","treatment"],"weights":[0.5,0.5],"coverage":1}]}}}"""
        .formatted(seed);
  }

  private static String awaitPayload(TestServer server, String clientKey, String flag) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      TestServer.Response r = server.call("GET", "/api/features/" + clientKey, null, null);
      ok(r);
      if (r.json().at("/features/" + flag + "/rules/0/hashAttribute").asText().equals("switchback_unit")) {
        return r.body();
      }
      Thread.sleep(20);
    }
    throw new AssertionError("the payload did not carry " + flag + " within 30 s");
  }

  /** Polls the analysis until it counts {@code observations} events (30 s at most). */
  private static JsonNode awaitAnalysis(TestServer server, String key, long observations) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      TestServer.Response r = server.admin("GET", "/api/v1/experiments/" + key + "/switchback", null);
      ok(r);
      last = r.json();
      if (last.path("observations").asLong() == observations) {
        return last;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the analysis did not count " + observations + " events within 30 s: " + last);
  }

  private static void ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 299);
  }
}
