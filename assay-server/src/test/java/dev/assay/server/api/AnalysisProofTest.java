package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The proof that the analysis is right, end to end through the product: 200,000 simulated users
 * with known true effects are assigned by the SDK on the server's compiled payload, their
 * exposures and events go in through {@code POST /api/v1/events} into the embedded DuckDB store,
 * results are refreshed with {@code POST /api/v1/experiments/{key}/refresh} and read back with
 * {@code GET .../results}.
 *
 * <p>Three experiments run on the same users at once (independent hash seeds): {@code checkout}
 * with +3% relative sign-up conversion and +2% revenue in treatment, an A/A test, and a 50/50
 * test whose exposure logging loses 1 in 13 treatment exposures, i.e. an observed 52/48 split (the
 * last two on 25,000 of the users).
 * Each user has a spending propensity that drives both pre-exposure and post-exposure revenue,
 * so CUPED has something to remove. Decoy events check the metric definitions: purchases in
 * another currency (excluded by the property filter) and purchases after the 72 h conversion
 * window, both large enough to move the result if they were counted. Seeded: the same numbers
 * every run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnalysisProofTest {
  private static final int USERS = 200_000;
  private static final long HOUR = 3_600_000L;
  private static final long DAY = 24 * HOUR;
  private static final double BASE_CONVERSION = 0.10;
  private static final double CONVERSION_LIFT = 0.03;
  private static final double REVENUE_LIFT = 0.02;
  /** Propensity λ = exp(N(μ, σ²)); its mean exp(μ + σ²/2) is the control's expected revenue. */
  private static final double MU = 3.0;
  private static final double SIGMA = 0.5;
  private static final double NOISE_SIGMA = 0.4;
  private static final double CONTROL_REVENUE = Math.exp(MU + SIGMA * SIGMA / 2);

  private TestServer server;
  private JsonNode checkout;
  private JsonNode aa;
  private JsonNode skewed;

  @BeforeAll
  void simulate() throws Exception {
    server = new TestServer();
    ok(server.admin("POST", "/api/v1/metrics", """
        {"key":"signup","type":"proportion","event":"signup","conversionWindowHours":72}"""));
    ok(server.admin("POST", "/api/v1/metrics", """
        {"key":"revenue","type":"mean","event":"purchase","valueProperty":"amount",
         "filters":{"currency":"EUR"},"conversionWindowHours":72,"cupedLookbackDays":14}"""));
    String clientKey = server.admin("POST", "/api/v1/sdk-connections",
        "{\"name\":\"web\",\"environment\":\"production\"}").json().get("key").asText();
    long start = 0;
    for (String key : List.of("checkout", "aa", "skewed")) {
      ok(server.admin("POST", "/api/v1/experiments", """
          {"key":"%s","variants":[{"key":"control","weight":0.5,"value":false},{"key":"treatment","weight":0.5,"value":true}],
           "metrics":{"primary":"signup","secondary":["revenue"]},"plannedUnits":%d}""".formatted(key, USERS)));
      ok(server.admin("POST", "/api/v1/flags", """
          {"key":"%s-flag","type":"boolean","defaultValue":false,
           "environments":{"production":{"rules":[{"experiment":"%s"}]}}}""".formatted(key, key)));
      ok(server.admin("POST", "/api/v1/experiments/" + key + "/start", "{}"));
      start = Math.max(start, server.admin("GET", "/api/v1/experiments/" + key, null).json()
          .at("/phases/0/startedAt").asLong());
    }
    TestServer.Response payload = server.call("GET", "/api/features/" + clientKey, null, null);
    ok(payload);
    ExperimentClient sdk = ExperimentClient.builder().payload(payload.body()).build();

    SplittableRandom rnd = new SplittableRandom(20_260_101);
    long t0 = start + 1_000;
    String[] countries = {"US", "DE", "FR", "BR"};
    // Several requests in flight, so the store's group commit takes several batches per commit.
    ExecutorService senders = Executors.newFixedThreadPool(6);
    List<Future<?>> sent = new ArrayList<>();
    StringBuilder batch = new StringBuilder();
    int inBatch = 0;
    long eventId = 0;
    int[] checkoutUnits = new int[2];
    for (int u = 0; u < USERS; u++) {
      String id = "user-" + u;
      String country = countries[rnd.nextInt(countries.length)];
      Attributes attrs = Attributes.of("id", id, "country", country);
      long exposedAt = t0 + rnd.nextLong(HOUR);
      int[] variation = new int[3];
      String[] keys = {"checkout", "aa", "skewed"};
      for (int e = 0; e < 3; e++) {
        if (e > 0 && u % 8 != 0) {
          continue; // the A/A and skewed experiments run on an eighth of the users (25,000)
        }
        variation[e] = sdk.evaluate(keys[e] + "-flag", attrs).experimentResult().orElseThrow().variationId();
        if (e == 2 && variation[e] == 1 && rnd.nextDouble() < 1 - 48.0 / 52) {
          continue; // the injected logging loss: 52/48 observed
        }
        batch.append("{\"id\":\"x").append(eventId++).append("\",\"type\":\"exposure\",\"unitId\":\"").append(id)
            .append("\",\"experimentKey\":\"").append(keys[e]).append("\",\"variationId\":").append(variation[e])
            .append(",\"timestamp\":").append(exposedAt + e);
        if (e == 0) {
          batch.append(",\"attributes\":{\"country\":\"").append(country).append("\"}");
        }
        batch.append("}\n");
        inBatch++;
      }
      checkoutUnits[variation[0]]++;
      boolean treated = variation[0] == 1;
      double propensity = Math.exp(MU + SIGMA * rnd.nextGaussian());
      double pre = propensity * noise(rnd);
      double post = propensity * noise(rnd) * (treated ? 1 + REVENUE_LIFT : 1);
      inBatch += purchase(batch, eventId++, id, exposedAt - DAY - rnd.nextLong(12 * DAY), pre, "EUR");
      inBatch += purchase(batch, eventId++, id, exposedAt + rnd.nextLong(48 * HOUR), post, "EUR");
      if (rnd.nextDouble() < 0.05) {
        inBatch += purchase(batch, eventId++, id, exposedAt + rnd.nextLong(48 * HOUR), 2_000 * (treated ? 1 : 3), "USD");
      }
      if (rnd.nextDouble() < 0.05) {
        inBatch += purchase(batch, eventId++, id, exposedAt + 100 * HOUR, 1_000 * (treated ? 1 : 3), "EUR");
      }
      double conversion = BASE_CONVERSION * (treated ? 1 + CONVERSION_LIFT : 1);
      if (rnd.nextDouble() < conversion) {
        batch.append("{\"id\":\"x").append(eventId++).append("\",\"type\":\"metric\",\"name\":\"signup\",\"unitId\":\"")
            .append(id).append("\",\"timestamp\":").append(exposedAt + rnd.nextLong(48 * HOUR)).append("}\n");
        inBatch++;
      }
      if (inBatch >= 9_000 || u == USERS - 1) {
        byte[] body = batch.toString().getBytes(StandardCharsets.UTF_8);
        sent.add(senders.submit(() -> {
          TestServer.Response r = server.send("POST", "/api/v1/events", clientKey, "application/x-ndjson", body);
          ok(r);
          assertThat(r.json().get("rejected").size()).as(r.body()).isZero();
        }));
        batch.setLength(0);
        inBatch = 0;
      }
    }
    for (Future<?> f : sent) {
      f.get();
    }
    senders.shutdown();
    assertThat(checkoutUnits[0] + checkoutUnits[1]).isEqualTo(USERS);

    checkout = refresh("checkout", "?dimensions=country");
    aa = refresh("aa", "");
    skewed = refresh("skewed", "");
  }

  /** Multiplicative noise with mean 1: exp(N(−s²/2, s²)). */
  private static double noise(SplittableRandom rnd) {
    return Math.exp(NOISE_SIGMA * rnd.nextGaussian() - NOISE_SIGMA * NOISE_SIGMA / 2);
  }

  private static int purchase(StringBuilder b, long eventId, String unit, long ts, double amount, String currency) {
    b.append("{\"id\":\"x").append(eventId).append("\",\"type\":\"metric\",\"name\":\"purchase\",\"unitId\":\"")
        .append(unit).append("\",\"timestamp\":").append(ts).append(",\"properties\":{\"amount\":")
        .append(Math.round(amount * 100) / 100.0).append(",\"currency\":\"").append(currency).append("\"}}\n");
    return 1;
  }

  private JsonNode refresh(String key, String query) {
    ok(server.admin("POST", "/api/v1/experiments/" + key + "/refresh" + query, "{}"));
    TestServer.Response r = server.admin("GET", "/api/v1/experiments/" + key + "/results", null);
    ok(r);
    return r.json();
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static void ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 299);
  }

  private static JsonNode result(JsonNode snapshot, String metric) {
    for (JsonNode r : snapshot.path("results")) {
      if (r.path("metric").asText().equals(metric)) {
        return r;
      }
    }
    throw new AssertionError("no result for " + metric + " in " + snapshot);
  }

  /**
   * The single-look estimate is within 3 of its standard errors of the truth (a 0.3% chance to
   * fail for an unbiased estimator; the 95% single-look interval itself misses 1 run in 20).
   */
  private static void assertWithinThreeStandardErrors(JsonNode r, double truth) {
    double se = (r.get("fixedHorizonCiUpper").asDouble() - r.get("fixedHorizonCiLower").asDouble()) / (2 * 1.959964);
    assertThat(Math.abs(r.get("effect").asDouble() - truth)).as("|effect − truth| in standard errors: %s", r)
        .isLessThan(3 * se);
  }

  @Test
  void checkout_trueConversionLiftInsideTheIntervals() {
    JsonNode signup = result(checkout, "signup");
    double trueEffect = BASE_CONVERSION * CONVERSION_LIFT;

    assertThat(signup.get("ciLower").asDouble()).isLessThan(trueEffect);
    assertThat(signup.get("ciUpper").asDouble()).isGreaterThan(trueEffect);
    assertThat(signup.get("liftCiLower").asDouble()).isLessThan(CONVERSION_LIFT);
    assertThat(signup.get("liftCiUpper").asDouble()).isGreaterThan(CONVERSION_LIFT);
    assertWithinThreeStandardErrors(signup, trueEffect);
    assertThat(signup.get("controlMean").asDouble()).isCloseTo(BASE_CONVERSION, org.assertj.core.data.Offset.offset(0.004));
  }

  @Test
  void checkout_trueRevenueLiftInsideTheIntervalsAndCupedNarrowsThem() {
    JsonNode revenue = result(checkout, "revenue");
    double trueEffect = CONTROL_REVENUE * REVENUE_LIFT;

    assertThat(revenue.get("method").asText()).contains("cuped");
    assertThat(revenue.get("ciLower").asDouble()).isLessThan(trueEffect);
    assertThat(revenue.get("ciUpper").asDouble()).isGreaterThan(trueEffect);
    assertWithinThreeStandardErrors(revenue, trueEffect);
    assertThat(revenue.get("liftCiLower").asDouble()).isLessThan(REVENUE_LIFT);
    assertThat(revenue.get("liftCiUpper").asDouble()).isGreaterThan(REVENUE_LIFT);
    // Decoys excluded: the filtered-out USD and late purchases would add ~100-300 per user.
    assertThat(revenue.get("controlMean").asDouble()).isCloseTo(CONTROL_REVENUE,
        org.assertj.core.data.Percentage.withPercentage(2));
    assertThat(revenue.get("significant").asBoolean()).as("a 2% lift with 200k users is detected").isTrue();
    double cupedWidth = revenue.get("fixedHorizonCiUpper").asDouble() - revenue.get("fixedHorizonCiLower").asDouble();
    double rawWidth = revenue.get("unadjustedCiUpper").asDouble() - revenue.get("unadjustedCiLower").asDouble();
    assertThat(cupedWidth).as("CUPED narrows the interval").isLessThan(0.85 * rawWidth);
    assertThat(revenue.get("cupedVarianceReduction").asDouble()).isGreaterThan(0.3);
    assertThat(revenue.get("unadjustedCiLower").asDouble()).as("the unadjusted interval also covers the truth")
        .isLessThan(trueEffect);
    assertThat(revenue.get("unadjustedCiUpper").asDouble()).isGreaterThan(trueEffect);
  }

  @Test
  void checkout_healthyAndEveryUnitCountedOnce() {
    JsonNode h = checkout.path("health");
    assertThat(h.get("srm").asBoolean()).isFalse();
    assertThat(h.get("multipleExposureUnits").asLong()).isZero();
    assertThat(h.at("/units/0/units").asLong() + h.at("/units/1/units").asLong()).isEqualTo(USERS);
    assertThat(h.get("progress").asDouble()).isEqualTo(1.0);
    assertThat(h.get("tooSmall").asBoolean()).isFalse();
    assertThat(checkout.at("/sufficientStatistics/revenue/0/n").asLong()
        + checkout.at("/sufficientStatistics/revenue/1/n").asLong()).isEqualTo(USERS);
  }

  @Test
  void checkout_countryBreakdownCoversEveryUnitAndShowsNoInteraction() {
    JsonNode levels = checkout.at("/dimensions/country/levels");
    assertThat(levels.size()).isEqualTo(4);
    for (JsonNode interaction : checkout.at("/dimensions/country/interaction")) {
      assertThat(interaction.get("pValue").asDouble()).as("the same effect in every country: %s", interaction)
          .isGreaterThan(0.01);
    }
    levels.forEach(level -> level.forEach(r ->
        assertThat(r.get("pValueAdjusted").asDouble()).isGreaterThanOrEqualTo(r.get("pValue").asDouble())));
  }

  @Test
  void checkout_markdownReportSummarisesTheDecision() {
    TestServer.Response r = server.admin("GET", "/api/v1/experiments/checkout/report.md", null);

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).contains("Sample ratio: ok").contains("| revenue **✓** | treatment |")
        .contains("Progress to the planned sample: 100%").contains("**country** (4 levels): no evidence");
  }

  @Test
  void aa_noSignificantEffect() {
    for (String metric : List.of("signup", "revenue")) {
      JsonNode r = result(aa, metric);
      assertThat(r.get("significant").asBoolean()).as(metric).isFalse();
      assertThat(r.get("fixedHorizonPValue").asDouble()).as(metric).isGreaterThan(0.05);
      assertThat(r.get("fixedHorizonCiLower").asDouble()).as(metric).isLessThan(0);
      assertThat(r.get("fixedHorizonCiUpper").asDouble()).as(metric).isGreaterThan(0);
    }
    assertThat(aa.at("/health/srm").asBoolean()).isFalse();
  }

  @Test
  void skewedSplit_flaggedAsSrmByBothTests() {
    JsonNode h = skewed.path("health");
    assertThat(h.get("srm").asBoolean()).isTrue();
    assertThat(h.get("srmPValue").asDouble()).isLessThan(0.001);
    assertThat(h.get("srmSequentialPValue").asDouble()).isLessThan(0.001);
    assertThat(h.at("/units/0/share").asDouble()).isCloseTo(0.52, org.assertj.core.data.Offset.offset(0.005));
    assertThat(h.at("/warnings/0").asText()).contains("sample ratio mismatch");
  }
}
