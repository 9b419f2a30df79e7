package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.EventLogger;
import dev.assay.sdk.ExperimentClient;
import dev.assay.stats.MeanDifference;
import dev.assay.stats.RatioComparison;
import dev.assay.stats.RatioStats;
import dev.assay.stats.SampleStats;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The proof of cluster randomization (docs/designs.md, ADR 0039): companies of varied size are
 * randomized, revenue is measured per user, and users of a company are correlated (a company
 * effect with intra-cluster correlation ρ = σ²_b / (σ²_b + σ²_w) = 0.5). The truth is known: the
 * treatment adds {@link #EFFECT} to every treated user's value.
 *
 * <p>First, over many seeds on the statistics level: the naive per-user interval (Welch, users as
 * if independent) is far too narrow and misses the truth much more often than 5%, while the
 * delta method on the ratio of cluster sums keeps ≈ 95% coverage. Then one run end to end: the
 * real SDK assigns by company from the server's payload and its {@link EventLogger} sends the
 * exposures (per user, with the company) and the revenue events through
 * {@code POST /api/v1/events}; the server's refresh analyses at the company level.
 */
class ClusterProofTest {
  static final double EFFECT = 0.5;
  static final double BETWEEN_SD = 1.0;
  static final double WITHIN_SD = 1.0;
  static final int SEEDS = 2_000;

  /** Simulated users of one experiment: each company's variation, size and per-user values. */
  record Sim(RatioStats[] clusters, SampleStats[] users) {}

  /** Companies of log-normal size (1 + ⌊e^N(μ, σ²)⌋, at most 200), half of them treated at random. */
  static Sim simulate(SplittableRandom rnd, int companies, double mu, double sigma) {
    double[][] sums = new double[2][6];
    double[][] user = new double[2][3];
    for (int c = 0; c < companies; c++) {
      int size = (int) Math.min(200, 1 + Math.floor(Math.exp(mu + sigma * rnd.nextGaussian())));
      int arm = rnd.nextBoolean() ? 1 : 0;
      double company = BETWEEN_SD * rnd.nextGaussian();
      double sum = 0;
      for (int u = 0; u < size; u++) {
        double y = 5 + company + WITHIN_SD * rnd.nextGaussian() + arm * EFFECT;
        sum += y;
        user[arm][0]++;
        user[arm][1] += y;
        user[arm][2] += y * y;
      }
      double[] s = sums[arm];
      s[0]++;
      s[1] += sum;
      s[2] += size;
      s[3] += sum * sum;
      s[4] += (double) size * size;
      s[5] += sum * size;
    }
    RatioStats[] clusters = new RatioStats[2];
    SampleStats[] users = new SampleStats[2];
    for (int a = 0; a < 2; a++) {
      double[] s = sums[a];
      clusters[a] = new RatioStats((long) s[0], s[1], s[2], s[3], s[4], s[5]);
      users[a] = SampleStats.fromSums((long) user[a][0], user[a][1], user[a][2]);
    }
    return new Sim(clusters, users);
  }

  @Test
  void overManySeeds_naiveSeIsTooSmallAndClusterIntervalKeepsCoverage() {
    int naiveCovered = 0;
    int clusterCovered = 0;
    double naiveSe = 0;
    double clusterSe = 0;
    for (int seed = 0; seed < SEEDS; seed++) {
      Sim sim = simulate(new SplittableRandom(7_000 + seed), 200, 2.0, 1.0);
      MeanDifference naive = MeanDifference.welch(sim.users()[0], sim.users()[1], 0.05);
      RatioComparison cluster = RatioComparison.compare(sim.clusters()[0], sim.clusters()[1], 0.05);
      naiveCovered += naive.ciLower() <= EFFECT && EFFECT <= naive.ciUpper() ? 1 : 0;
      clusterCovered += cluster.ciLowerAbs() <= EFFECT && EFFECT <= cluster.ciUpperAbs() ? 1 : 0;
      naiveSe += naive.se() / SEEDS;
      clusterSe += cluster.seAbs() / SEEDS;
    }
    double naiveCoverage = (double) naiveCovered / SEEDS;
    double clusterCoverage = (double) clusterCovered / SEEDS;
    System.out.printf("cluster proof (%d seeds, 200 companies, ICC 0.5): naive SE %.4f coverage %.3f;"
        + " cluster SE %.4f coverage %.3f; SE ratio %.2f%n", SEEDS, naiveSe, naiveCoverage, clusterSe,
        clusterCoverage, clusterSe / naiveSe);
    assertThat(naiveSe).as("the naive per-user SE ignores the correlation").isLessThan(0.5 * clusterSe);
    assertThat(naiveCoverage).as("so the naive interval misses the truth far too often").isLessThan(0.80);
    // ±0.025 is 5 binomial standard errors of a 95% coverage over 2,000 seeds
    assertThat(clusterCoverage).as("the cluster interval keeps its nominal coverage").isBetween(0.925, 0.975);
  }

  @Test
  void endToEnd_sdkAssignsByCompanyAndTheServerAnalysesClusterSums() throws Exception {
    try (TestServer server = new TestServer()) {
      prove(server);
    }
  }

  private static void prove(TestServer server) throws Exception {
    ok(server.admin("POST", "/api/v1/metrics", """
        {"key":"revenue","type":"mean","event":"revenue","unit":"id","minimumSample":10}"""));
    String clientKey = server.admin("POST", "/api/v1/sdk-connections",
        "{\"name\":\"web\",\"environment\":\"production\"}").json().get("key").asText();
    String experiment = """
        {"key":"seats","hashAttribute":"company","variants":[{"key":"control","weight":0.5},
         {"key":"treatment","weight":0.5}],"metrics":{"primary":"revenue"},
         "analysis":{"sequential":false,"cuped":false%s}}""";
    // The lint: per-user metrics in a per-company randomization need a declared cluster analysis.
    TestServer.Response refused = server.admin("POST", "/api/v1/experiments", experiment.formatted(""));
    assertThat(refused.status()).as(refused.body()).isEqualTo(400);
    assertThat(refused.body()).contains("analysis.unit").contains("revenue");
    TestServer.Response bandit = server.admin("POST", "/api/v1/experiments", experiment.replace("\"key\":\"seats\"",
        "\"key\":\"seats-bandit\",\"type\":\"bandit\"").formatted(",\"unit\":\"id\""));
    assertThat(bandit.status()).as(bandit.body()).isEqualTo(400);
    assertThat(bandit.body()).contains("analysis.unit").contains("bandit");
    ok(server.admin("POST", "/api/v1/experiments", experiment.formatted(",\"unit\":\"id\"")));
    ok(server.admin("POST", "/api/v1/flags", """
        {"key":"seats-flag","type":"string","defaultValue":"control",
         "environments":{"production":{"rules":[{"experiment":"seats"}]}}}"""));
    ok(server.admin("POST", "/api/v1/experiments/seats/start", "{}"));
    TestServer.Response payload = server.call("GET", "/api/features/" + clientKey, null, null);
    ok(payload);
    assertThat(payload.body()).contains("\"analysisUnit\":\"id\"");

    SplittableRandom rnd = new SplittableRandom(20_261_203);
    int companies = 160;
    Map<String, Integer> companyArm = new HashMap<>();
    double[][] user = new double[2][3];
    int users = 0;
    try (EventLogger events = EventLogger.builder("http://127.0.0.1:" + server.port(), clientKey)
        .flushInterval(Duration.ofMillis(200)).build()) {
      ExperimentClient sdk = ExperimentClient.builder().payload(payload.body()).onExposure(events).build();
      for (int c = 0; c < companies; c++) {
        String company = "co-" + c;
        int size = (int) Math.min(60, 1 + Math.floor(Math.exp(1.5 + 0.8 * rnd.nextGaussian())));
        double effect = BETWEEN_SD * rnd.nextGaussian();
        for (int u = 0; u < size; u++) {
          String id = company + "-u" + u;
          int arm = sdk.evaluate("seats-flag", Attributes.of("id", id, "company", company))
              .experimentResult().orElseThrow().variationId();
          assertThat(companyArm.computeIfAbsent(company, k -> arm)).as("one arm per company").isEqualTo(arm);
          double y = 5 + effect + WITHIN_SD * rnd.nextGaussian() + arm * EFFECT;
          assertThat(events.track("revenue", id, y)).isTrue();
          user[arm][0]++;
          user[arm][1] += y;
          user[arm][2] += y * y;
          users++;
        }
      }
      assertThat(events.flush(Duration.ofSeconds(30))).isTrue();
      assertThat(events.stats().dropped()).isZero();
    }
    ok(server.admin("POST", "/api/v1/experiments/seats/refresh", "{}"));
    TestServer.Response results = server.admin("GET", "/api/v1/experiments/seats/results", null);
    ok(results);
    JsonNode snapshot = results.json();
    JsonNode cluster = snapshot.path("cluster");
    assertThat(cluster.path("unit").asText()).isEqualTo("id");
    assertThat(cluster.path("randomizedBy").asText()).isEqualTo("company");
    long clusters = 0;
    long units = 0;
    for (JsonNode v : cluster.path("variants")) {
      clusters += v.path("clusters").asLong();
      units += v.path("units").asLong();
    }
    assertThat(clusters).isEqualTo(companies);
    assertThat(units).isEqualTo(users);
    JsonNode r = snapshot.path("results").get(0);
    double effect = r.path("effect").asDouble();
    double se = (r.path("ciUpper").asDouble() - r.path("ciLower").asDouble()) / (2 * 1.959964);
    MeanDifference naive = MeanDifference.welch(SampleStats.fromSums((long) user[0][0], user[0][1], user[0][2]),
        SampleStats.fromSums((long) user[1][0], user[1][1], user[1][2]), 0.05);
    System.out.printf("cluster end to end: %d companies, %d users; effect %.3f (truth %.1f), cluster SE %.4f,"
        + " naive per-user SE %.4f (ratio %.2f)%n", companies, users, effect, EFFECT, se, naive.se(), se / naive.se());
    assertThat(naive.diff()).as("the server's per-user estimate is the ratio of cluster sums")
        .isCloseTo(effect, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(Math.abs(effect - EFFECT)).as("within 3 cluster SEs of the truth").isLessThan(3 * se);
    assertThat(naive.se()).as("the naive SE is clearly smaller").isLessThan(0.6 * se);
  }

  private static void ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 299);
  }
}
