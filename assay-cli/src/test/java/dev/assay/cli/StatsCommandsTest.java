package dev.assay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code analyze}, {@code sample-size} and {@code verify-stats}. */
class StatsCommandsTest {

  private static final String EXAMPLE = Path.of("..", "examples", "analysis.json").toString();
  /** The reference vectors vendored in assay-stats' test resources, or under -Dassay.shared.dir. */
  private static final String VECTORS = Path.of(
      System.getProperty("assay.shared.dir", "").isBlank()
          ? "../assay-stats/src/test/resources"
          : System.getProperty("assay.shared.dir"),
      "vectors", "stat-vectors.json").toString();
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void analyze_example_tableShowsEveryMetricAndVariant() {
    CliRun run = CliRun.of("analyze", "--input", EXAMPLE);

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("Sample ratio").contains("purchase").contains("clicks-per-session")
        .contains("page-load-ms").contains("orange").contains("green");
  }

  @Test
  void analyze_exampleAsJson_guardrailUncorrectedAndRegressionSignificant() throws Exception {
    CliRun run = CliRun.of("analyze", "--input", EXAMPLE, "--format", "json");

    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode doc = JSON.readTree(run.out());
    assertThat(doc.at("/results").size()).isEqualTo(8);
    JsonNode load = doc.at("/results/7");
    assertThat(load.get("metric").asText()).isEqualTo("page-load-ms");
    assertThat(load.get("pValueAdjusted").asDouble()).isEqualTo(load.get("pValue").asDouble());
    // The example simulates +20 ms page load for orange (850 → 870): a clear regression.
    assertThat(load.get("significant").asBoolean()).isTrue();
    assertThat(load.get("effect").asDouble()).isBetween(10.0, 30.0);
    assertThat(doc.at("/results/2/method").asText()).contains("cuped");
    assertThat(doc.at("/srm/flagged").asBoolean()).isFalse();
  }

  @Test
  void analyze_exampleGuardrailMargin_nonInferiorityTestedAlwaysValid() throws Exception {
    CliRun table = CliRun.of("analyze", "--input", EXAMPLE);
    CliRun json = CliRun.of("analyze", "--input", EXAMPLE, "--format", "json");

    JsonNode load = JSON.readTree(json.out()).at("/results/7");
    JsonNode ni = load.get("nonInferiority");
    // Margin 5% of the control's 850 ms; orange is ~20 ms slower, well inside it.
    assertThat(ni.get("method").asText()).isEqualTo("msprt_one_sided");
    assertThat(ni.get("margin").asDouble()).isCloseTo(0.05 * load.get("controlMean").asDouble(),
        org.assertj.core.data.Offset.offset(1e-9));
    assertThat(ni.get("nonInferior").asBoolean()).isTrue();
    assertThat(ni.get("bound").asDouble()).isBetween(load.get("effect").asDouble(), ni.get("margin").asDouble());
    assertThat(ni.get("df").isNull()).as("NaN df is null in JSON").isTrue();
    assertThat(JSON.readTree(json.out()).at("/results/0/nonInferiority").isNull()).isTrue();
    assertThat(table.out()).contains("non-inferiority (msprt_one_sided): non-inferior");
  }

  @Test
  void analyze_bayesianEngine_credibleIntervalsExactConversionsNoCorrection(@TempDir Path dir) throws Exception {
    com.fasterxml.jackson.databind.node.ObjectNode doc = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(
        Path.of(EXAMPLE).toFile());
    com.fasterxml.jackson.databind.node.ObjectNode settings = (com.fasterxml.jackson.databind.node.ObjectNode) doc.get("settings");
    settings.put("engine", "bayesian");
    settings.remove("prior");
    Path f = dir.resolve("bayes.json");
    JSON.writeValue(f.toFile(), doc);

    CliRun table = CliRun.of("analyze", "--input", f.toString());
    JsonNode json = JSON.readTree(CliRun.of("analyze", "--input", f.toString(), "--format", "json").out());

    assertThat(table.exitCode()).as(table.err()).isZero();
    assertThat(table.out()).contains("lift [credible]").contains("correction none (Bayesian)").contains("chance to win ≥ 97.5%");
    assertThat(json.at("/results/0/method").asText()).endsWith("+beta_binomial_exact");
    assertThat(json.at("/results/2/method").asText()).endsWith("+bayesian_gaussian_flat_prior");
    for (JsonNode r : json.get("results")) {
      assertThat(r.get("pValueAdjusted").asDouble()).isEqualTo(r.get("pValue").asDouble());
      double chance = r.get("chanceToWin").asDouble();
      assertThat(r.get("significant").asBoolean()).isEqualTo(chance >= 0.975 || chance <= 0.025);
    }
  }

  @Test
  void analyze_exampleQuantileMetric_clusterCorrectedComparisonPerVariant() throws Exception {
    CliRun table = CliRun.of("analyze", "--input", EXAMPLE);
    JsonNode q = JSON.readTree(CliRun.of("analyze", "--input", EXAMPLE, "--format", "json").out()).get("quantiles");

    assertThat(q).hasSize(2);
    JsonNode orange = q.get(1);
    assertThat(orange.get("metric").asText()).isEqualTo("page-load-p90");
    assertThat(orange.get("variant").asText()).isEqualTo("orange");
    assertThat(orange.get("method").asText()).isEqualTo("quantile_delta_outer_ci");
    assertThat(orange.at("/control/clusterAdjusted").asBoolean()).isTrue();
    // The example's orange arm is 3% slower throughout: its P90 difference excludes 0.
    assertThat(orange.at("/difference/ciLower").asDouble()).isPositive();
    assertThat(orange.at("/lift/estimate").asDouble()).isBetween(0.015, 0.045);
    assertThat(q.get(0).at("/difference/pValue").asDouble()).isGreaterThan(0.05);
    assertThat(table.out()).contains("Quantile metrics").contains("page-load-p90 P90");
  }

  @Test
  void analyze_previousOutput_sequentialResultsRunOverLooks(@TempDir Path dir) throws Exception {
    CliRun first = CliRun.of("analyze", "--input", EXAMPLE, "--format", "json");
    Path previous = Files.writeString(dir.resolve("look1.json"), first.out());

    CliRun second = CliRun.of("analyze", "--input", EXAMPLE, "--format", "json", "--previous", previous.toString());
    CliRun table = CliRun.of("analyze", "--input", EXAMPLE, "--previous", previous.toString());

    assertThat(second.exitCode()).as(second.err()).isZero();
    JsonNode a = JSON.readTree(first.out()).get("results");
    JsonNode b = JSON.readTree(second.out()).get("results");
    for (int i = 0; i < a.size(); i++) {
      assertThat(a.get(i).get("looks").asInt()).isEqualTo(1);
      assertThat(b.get(i).get("looks").asInt()).isEqualTo(2);
      // The same data again: the intersection is the same interval, the running minimum the same p.
      assertThat(b.get(i).get("ciLower").asDouble()).isEqualTo(a.get(i).get("ciLower").asDouble());
      assertThat(b.get(i).get("pValue").asDouble()).isEqualTo(a.get(i).get("pValue").asDouble());
    }
    assertThat(table.out()).contains("run over 2 looks");
    Files.writeString(previous, "{\"results\": [{\"metric\": \"purchase\", \"variant\": \"green\", \"looks\": 1,"
        + " \"pValue\": \"low\"}]}");
    CliRun bad = CliRun.of("analyze", "--input", EXAMPLE, "--previous", previous.toString());
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains("--previous: $.results[0].pValue").contains("must be a number");
  }

  @Test
  void analyze_dailyUnits_sequentialSrmReportedAndFlagsAPersistentImbalance(@TempDir Path dir) throws Exception {
    JsonNode ok = JSON.readTree(CliRun.of("analyze", "--input", EXAMPLE, "--format", "json").out()).get("srmSequential");
    com.fasterxml.jackson.databind.node.ObjectNode doc =
        (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(Path.of(EXAMPLE).toFile());
    com.fasterxml.jackson.databind.node.ArrayNode days = doc.putArray("dailyUnits");
    for (int d = 0; d < 7; d++) {
      days.addArray().add(3000).add(2800).add(2800); // control gets 7% more every day
    }
    Path skewed = dir.resolve("skewed.json");
    JSON.writeValue(skewed.toFile(), doc);

    CliRun table = CliRun.of("analyze", "--input", skewed.toString());
    JsonNode bad = JSON.readTree(CliRun.of("analyze", "--input", skewed.toString(), "--format", "json").out())
        .get("srmSequential");

    assertThat(ok.get("method").asText()).isEqualTo("srm_dirichlet_multinomial");
    assertThat(ok.get("batches").asInt()).isEqualTo(7);
    assertThat(ok.get("flagged").asBoolean()).isFalse();
    assertThat(bad.get("flagged").asBoolean()).isTrue();
    assertThat(bad.get("pValue").asDouble()).isLessThan(0.001);
    assertThat(table.out()).contains("Sequential sample ratio over 7 daily batches").contains("MISMATCH");
  }

  @Test
  void analyze_badInput_exit2NamingTheField(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("in.json");
    Files.writeString(f, """
        {"variants":[{"key":"a","units":10},{"key":"b","units":10}],
         "metrics":[{"key":"m","type":"mean","data":{"a":{"n":10,"sum":5,"sum_squares":9},"b":{"n":10,"sum":"x"}}}]}""");
    CliRun wrongType = CliRun.of("analyze", "--input", f.toString());
    Files.writeString(f, "{\"variants\":[{\"key\":\"a\",\"units\":10}],\"metrics\":[]}");
    CliRun oneVariant = CliRun.of("analyze", "--input", f.toString());
    Files.writeString(f, """
        {"settings":{"correction":"magic"},"variants":[{"key":"a","units":10},{"key":"b","units":10}],"metrics":[]}""");
    CliRun badCorrection = CliRun.of("analyze", "--input", f.toString());
    Files.writeString(f, """
        {"variants":[{"key":"a","units":10},{"key":"b","units":10}],
         "metrics":[{"key":"m","data":{"a":{"n":10,"sum":50,"sum_squares":9},"b":{"n":10,"sum":5,"sum_squares":9}}}]}""");
    CliRun impossibleSums = CliRun.of("analyze", "--input", f.toString());

    assertThat(wrongType.exitCode()).isEqualTo(2);
    assertThat(wrongType.err()).contains("$.metrics[0].data.b.sum").contains("number");
    assertThat(oneVariant.err()).contains("$.variants").contains("at least two");
    assertThat(badCorrection.err()).contains("$.settings.correction");
    assertThat(impossibleSums.err()).contains("$.metrics[0].data.a.sum_squares");
    assertThat(CliRun.of("analyze", "--input", "nope.json").err()).contains("--input").contains("not found");
  }

  @Test
  void sampleSize_proportionReferenceCase_matchesPublishedFigure() {
    // statistics.md §8.1: 10% → 11% at α = .05, power .8 needs 14,749 per arm (unpooled).
    CliRun run = CliRun.of("sample-size", "proportion", "--baseline", "0.10", "--target", "0.11");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("14,749").contains("14,751").contains("14,128");
  }

  @Test
  void sampleSize_meanExactT_matchesPwrTTest() {
    // pwr.t.test(d = 0.5, power = 0.8): n = 63.77 → 64 per group; normal approximation 63.
    CliRun run = CliRun.of("sample-size", "mean", "--sd", "1", "--delta", "0.5");

    assertThat(run.out()).contains("64 per variant").containsPattern("normal approximation\\)\\s+63");
  }

  @Test
  void sampleSize_units_powerAtTheComputedSampleSizeIsTheTarget() {
    // 14,749 per arm is the unpooled answer for 10% → 11% at 80% power. The relative MDE there is a
    // little above +10%: a test of the relative lift also carries the control rate's uncertainty
    // (GrowthBook's lift-dependent variance, statistics.md §8.3).
    CliRun prop = CliRun.of("sample-size", "proportion", "--baseline", "0.10", "--target", "0.11", "--units", "14749");
    // pwr.t.test(n = 64, d = 0.5) power = 0.8015; the normal-approximation MDE at n = 64 is 0.4953.
    CliRun mean = CliRun.of("sample-size", "mean", "--sd", "1", "--delta", "0.5", "--units", "64");
    // CUPED with ρ = 0.6 makes 64 units worth 100: more power than without.
    CliRun cuped = CliRun.of("sample-size", "mean", "--sd", "1", "--delta", "0.5", "--units", "64", "--cuped-rho", "0.6");

    assertThat(prop.exitCode()).as(prop.err()).isZero();
    assertThat(prop.out()).contains("power to detect 0.1 → 0.11: 80.0%").containsPattern("minimum detectable lift at 80% power: \\+10\\.[0-4]\\d%");
    assertThat(mean.out()).contains("power to detect δ = 0.5: 80.1%").contains("0.4953");
    assertThat(cuped.out()).contains("CUPED ρ = 0.6").containsPattern("power to detect δ = 0.5: 9\\d\\.\\d%");
  }

  @Test
  void sampleSize_sequentialLooks_printsTheBoundaryOfEveryLookForTheChosenSpending() {
    CliRun obf = CliRun.of("sample-size", "mean", "--sd", "20", "--delta", "1", "--sequential-looks", "5");
    CliRun power = CliRun.of("sample-size", "mean", "--sd", "20", "--delta", "1", "--sequential-looks", "5",
        "--spending", "power_2");
    dev.assay.stats.GroupSequentialBoundaries expected = dev.assay.stats.GroupSequentialBoundaries.compute(
        new double[] {0.2, 0.4, 0.6, 0.8, 1.0}, 0.05, dev.assay.stats.SpendingFunction.obrienFleming(), 2);

    assertThat(obf.exitCode()).as(obf.err()).isZero();
    assertThat(obf.out()).contains("ld_obf spending, two-sided")
        .contains(String.format("%10.4f", expected.zBounds().get(0)))
        .contains(String.format("%10.4f", expected.zBounds().get(4)));
    // O'Brien-Fleming spends almost nothing at the first look: its boundary is far out.
    assertThat(expected.zBounds().get(0)).isGreaterThan(4.0);
    assertThat(power.out()).contains("power_2 spending").contains("with 5 power_2 looks");
    assertThat(CliRun.of("sample-size", "mean", "--sd", "1", "--delta", "1", "--sequential-looks", "3",
        "--spending", "magic").err()).contains("--spending").contains("unknown");
  }

  @Test
  void sampleSize_meanWithRatio_totalIsTheSumOfBothArms() {
    dev.assay.stats.SampleSize.Means expected =
        dev.assay.stats.SampleSize.means(20, 1, 0.05, 0.8, true, 2, 0);
    CliRun run = CliRun.of("sample-size", "mean", "--sd", "20", "--delta", "1", "--ratio", "2");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).containsPattern("total \\(control \\+ treatment 2×\\)\\s+"
        + String.format("%,d", expected.nACeil() + expected.nBCeil()).replace(",", "\\,"));
    assertThat(expected.nBCeil()).isGreaterThan(expected.nACeil());
  }

  @Test
  void sampleSize_relativeAndAbsoluteMde_printWithoutFloatNoiseAndAgree() {
    CliRun relative = CliRun.of("sample-size", "proportion", "--baseline", "0.10", "--relative-mde", "0.05");
    CliRun absolute = CliRun.of("sample-size", "proportion", "--baseline", "0.10", "--absolute-mde", "0.005");
    CliRun target = CliRun.of("sample-size", "proportion", "--baseline", "0.10", "--target", "0.105");

    assertThat(relative.exitCode()).as(relative.err()).isZero();
    assertThat(absolute.exitCode()).as(absolute.err()).isZero();
    assertThat(relative.out()).contains("Detect 0.1 → 0.105 (+5.00% relative, +0.005 absolute)")
        .doesNotContain("0.10500000000000001").doesNotContain("0.0049999");
    assertThat(absolute.out()).contains("Detect 0.1 → 0.105").doesNotContain("0.10500000000000001");
    assertThat(units(absolute)).isEqualTo(units(target)).isEqualTo(units(relative));
    assertThat(CliRun.of("sample-size", "proportion", "--baseline", "0.1", "--absolute-mde", "0.95").err())
        .contains("--absolute-mde").contains("(0, 1)");
    assertThat(CliRun.of("sample-size", "proportion", "--baseline", "0.1", "--absolute-mde", "0.01",
        "--target", "0.11").err()).contains("exactly one of --target, --relative-mde or --absolute-mde");
  }

  private static String units(CliRun run) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("units per variant \\(unpooled z-test\\)\\s+([0-9,]+)")
        .matcher(run.out());
    assertThat(m.find()).as(run.out()).isTrue();
    return m.group(1);
  }

  @Test
  void analyze_weightsNotSummingToOne_exit2NamingTheFieldLikeTheServer(@TempDir Path dir) throws Exception {
    Path over = Files.writeString(dir.resolve("over.json"), twoArms(0.58, 0.58));
    Path thirds = Files.writeString(dir.resolve("rounded.json"), twoArms(0.6666667, 0.3333333));

    CliRun run = CliRun.of("analyze", "--input", over.toString());
    CliRun rounded = CliRun.of("analyze", "--input", thirds.toString());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("$.variants[*].weight").contains("weights sum to 1.16, must sum to 1");
    // Within the server's tolerance (decimal fractions such as 2/3 and 1/3): accepted.
    assertThat(rounded.exitCode()).as(rounded.err()).isZero();
  }

  private static String twoArms(double wControl, double wTreatment) {
    return """
        {"variants":[{"key":"control","units":1000,"weight":%s},{"key":"treatment","units":1000,"weight":%s}],
         "metrics":[{"key":"m","type":"proportion","data":{"control":{"n":1000,"sum":100,"sum_squares":100},
           "treatment":{"n":1000,"sum":110,"sum_squares":110}}}]}""".formatted(wControl, wTreatment);
  }

  @Test
  void sampleSize_badOptions_exit2() {
    assertThat(CliRun.of("sample-size", "proportion", "--baseline", "1.5", "--target", "0.2").err()).contains("--baseline");
    assertThat(CliRun.of("sample-size", "proportion", "--baseline", "0.1").err()).contains("--target");
    assertThat(CliRun.of("sample-size", "mean", "--sd", "1", "--delta", "0").exitCode()).isEqualTo(2);
  }

  @Test
  void verifyStats_sharedVectors_allPass() {
    CliRun run = CliRun.of("verify-stats", "--vectors", VECTORS);

    assertThat(run.exitCode()).as(run.out()).isZero();
    assertThat(run.out()).contains("welch_001").contains("0 failed");
  }

  @Test
  void verifyStats_wrongExpectedValue_failsWithExit1(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("mine.json");
    Files.writeString(f, """
        {"cases":[{"id":"mine_1","kind":"welch_t_test","input":{"n_a":1000,"mean_a":10.0,"var_a":4.0,
          "n_b":1000,"mean_b":10.3,"var_b":4.4,"alpha":0.05},"expected":{"diff":0.31},"tolerance":{"rel":1e-9,"abs":1e-12}},
         {"id":"mine_2","kind":"no_such_kind","input":{},"expected":{}}]}""");

    CliRun run = CliRun.of("verify-stats", "--vectors", f.toString());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).contains("mine_1").contains("FAIL").contains("diff").contains("unknown vector kind")
        .contains("0 passed, 2 failed");
  }
}
