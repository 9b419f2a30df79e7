package dev.assay.server.ascode;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Each check of {@link Lint} fires on a bad example and not on the article's good one. */
class LintTest {
  private static final Path EXAMPLES = Path.of("..", "examples", "as-code");

  private static List<AsCodeFile> examples() throws IOException {
    try (Stream<Path> s = Files.list(EXAMPLES)) {
      List<AsCodeFile> out = new ArrayList<>();
      for (Path p : s.sorted().toList()) {
        out.add(new AsCodeFile(p.getFileName().toString(), Files.readString(p)));
      }
      return out;
    }
  }

  private static String article() throws IOException {
    return Files.readString(EXAMPLES.resolve("checkout-progress-bar.yaml"));
  }

  private static List<AsCodeFile> withArticle(String yaml) throws IOException {
    List<AsCodeFile> files = new ArrayList<>(examples().stream().filter(f -> !f.path().startsWith("checkout")).toList());
    files.add(new AsCodeFile("checkout-progress-bar.yaml", yaml));
    return files;
  }

  private static List<String> lines(List<Lint.Finding> findings, Lint.Level level) {
    return findings.stream().filter(f -> f.level() == level).map(Lint.Finding::line).toList();
  }

  @Test
  void articleDirectory_isClean() throws IOException {
    List<Lint.Finding> f = Lint.run(examples(), OptionalDouble.empty());
    assertThat(lines(f, Lint.Level.ERROR)).isEmpty();
    assertThat(lines(f, Lint.Level.WARNING)).isEmpty();
  }

  @Test
  void emptyDocuments_trailingSeparatorAndCommentsOnly_areSkipped() throws IOException {
    List<AsCodeFile> files = new ArrayList<>(examples());
    files.add(new AsCodeFile("notes.yaml", "# nothing here yet\n---\n# still nothing\n"));
    files.add(new AsCodeFile("layer.yaml", "kind: layer\nkey: l1\n---\n"));
    assertThat(lines(Lint.run(files, OptionalDouble.empty()), Lint.Level.ERROR)).isEmpty();
  }

  @Test
  void eventSchemas_lintWithoutAServer_andAPropertyRuleIsAnErrorNamingTheField() throws IOException {
    List<AsCodeFile> files = new ArrayList<>(examples());
    files.add(new AsCodeFile("purchase.yaml", "kind: event_schema\nname: purchase\nvalue: required\n"
        + "properties:\n  plan: {type: string, required: true, allowed: [free, pro]}\n"));
    assertThat(lines(Lint.run(files, OptionalDouble.empty()), Lint.Level.ERROR)).isEmpty();
    files.add(new AsCodeFile("amount.yaml", "kind: event_schema\nname: amount\nproperties:\n"
        + "  cents: {type: number, allowed: [\"1\"]}\n"));
    assertThat(lines(Lint.run(files, OptionalDouble.empty()), Lint.Level.ERROR)).singleElement().asString()
        .isEqualTo("amount.yaml:properties.cents.allowed: error: only string properties have allowed values");
  }

  @Test
  void undefinedReference_isAnErrorSayingLintCannotSeeTheServer() throws IOException {
    List<AsCodeFile> noSegments = examples().stream().filter(f -> !f.path().equals("segments.yaml")).toList();
    assertThat(lines(Lint.run(noSegments, OptionalDouble.empty()), Lint.Level.ERROR)).singleElement().asString()
        .startsWith("checkout-progress-bar.yaml:targeting.condition: error: segment 'all_logged_in' is not defined")
        .contains("lint does not see the server");
  }

  @Test
  void allocationsNotSummingTo100_isAnError() throws IOException {
    List<String> errors = lines(Lint.run(withArticle(article().replaceFirst("allocation: 50%", "allocation: 60%")),
        OptionalDouble.empty()), Lint.Level.ERROR);
    assertThat(errors).singleElement().asString().startsWith("checkout-progress-bar.yaml:variants: error:")
        .contains("sum");
  }

  @Test
  void overlappingLayerRanges_warn() throws IOException {
    String layer = "kind: layer\nkey: l\n---\n" + article().replace("name: \"checkout-progress-bar\"",
        "name: a\nlayer: l\nrange: { start: 0, end: 0.6 }") + "---\n" + article().replace(
        "name: \"checkout-progress-bar\"", "name: b\nlayer: l\nrange: { start: 0.5, end: 1 }");
    List<AsCodeFile> files = new ArrayList<>(examples().stream().filter(f -> !f.path().startsWith("checkout")).toList());
    files.add(new AsCodeFile("layered.yaml", layer));
    List<Lint.Finding> f = Lint.run(files, OptionalDouble.empty());
    assertThat(lines(f, Lint.Level.ERROR)).isEmpty();
    assertThat(lines(f, Lint.Level.WARNING)).singleElement().asString()
        .startsWith("layered.yaml#3:range: warning: range [0.5, 1.0) overlaps experiment 'a' [0.0, 0.6)");
  }

  @Test
  void noGuardrails_warns() throws IOException {
    String none = article().replace("  guardrails: [checkout_error_rate, p99_page_load_ms]\n", "");
    assertThat(lines(Lint.run(withArticle(none), OptionalDouble.empty()), Lint.Level.WARNING)).singleElement()
        .asString().isEqualTo("checkout-progress-bar.yaml:metrics.guardrails: warning: experiment"
            + " 'checkout-progress-bar' has no guardrail metrics: nothing halts it if it harms users");
  }

  /*
   * Outside values, worked by hand: baseline 10%, a 20% relative lift (12%), two-sided α = 0.05,
   * power 0.8. Two-proportion z-test (unpooled): n = (1.959964 + 0.841621)² · (0.1·0.9 + 0.12·0.88)
   * / 0.02² = 7.84888 · 0.1956 / 0.0004 = 3838.2 → 3839 per variant (the textbook figure, e.g.
   * Chow, Shao & Wang §4.2). mSPRT (Johari et al. 2022) with τ² tuned at the planned variance:
   * r = ln(1 + r) + 2 ln 20 → r = 8.2117; h² = (1 + 1/r)(ln(1 + r) + 2 ln 20) = 9.2119, h = 3.0351;
   * n = (3.0351 + 0.841621)² · 0.1956 / 0.0004 = 7349.2 → 7350 per variant.
   */
  @Test
  void power_againstHandWorkedValues() throws IOException {
    String powered = article().replace("  primary: checkout_completion_rate\n",
        "  primary: checkout_completion_rate\n  baseline_rate: 0.10\n")
        .replace("duration: { minimum_runtime_days: 7, target_sample_size_per_variant: 5000 }",
            "duration: { minimum_runtime_days: 7, target_sample_size_per_variant: 5000,"
                + " minimum_detectable_effect: 20%, expected_daily_traffic: 1000 }");
    List<Lint.Finding> f = Lint.run(withArticle(powered), OptionalDouble.empty());
    assertThat(lines(f, Lint.Level.ERROR)).isEmpty();
    assertThat(lines(f, Lint.Level.NOTE)).singleElement().asString().contains("5000 units per variant can detect a 20%")
        .contains("(needs 3839)");
    assertThat(lines(f, Lint.Level.WARNING)).containsExactlyInAnyOrder(
        "checkout-progress-bar.yaml:duration.target_sample_size_per_variant: warning: 5000 units per variant is below"
            + " the 7350 that the default always-valid sequential test needs for the same effect and power",
        "checkout-progress-bar.yaml:duration.minimum_runtime_days: warning: at 1000 units a day, 7 days give about"
            + " 3500 units to the smallest variant, short of 5000; that takes 10 days");
    List<Lint.Finding> small = Lint.run(withArticle(powered.replace("target_sample_size_per_variant: 5000",
        "target_sample_size_per_variant: 3000")), OptionalDouble.empty());
    assertThat(lines(small, Lint.Level.WARNING).get(0)).contains("3000 units per variant cannot detect a 20% relative"
        + " lift on a baseline rate of 0.1").contains("that needs 3839 per variant");
  }

  @Test
  void invalidMinimumDetectableEffect_isAnError() throws IOException {
    String powered = article().replace("  primary: checkout_completion_rate\n",
        "  primary: checkout_completion_rate\n  baseline_rate: 0.10\n")
        .replace("target_sample_size_per_variant: 5000", "target_sample_size_per_variant: 5000,"
            + " minimum_detectable_effect: 5");
    assertThat(lines(Lint.run(withArticle(powered), OptionalDouble.empty()), Lint.Level.ERROR)).singleElement()
        .asString().startsWith("checkout-progress-bar.yaml:duration.minimum_detectable_effect: error: must be a"
            + " relative lift");
  }

  @Test
  void dailyTrafficOption_isUsedWhenTheFileStatesNone() throws IOException {
    String powered = article().replace("  primary: checkout_completion_rate\n",
        "  primary: checkout_completion_rate\n  baseline_rate: 0.10\n")
        .replace("target_sample_size_per_variant: 5000", "target_sample_size_per_variant: 8000,"
            + " minimum_detectable_effect: 0.2");
    List<String> warnings = lines(Lint.run(withArticle(powered), OptionalDouble.of(2000)), Lint.Level.WARNING);
    assertThat(warnings).singleElement().asString().contains("at 2000 units a day, 7 days give about 7000 units")
        .contains("that takes 8 days");
  }

  /** 500 units a day, half to each variant, for 7 days: 1750 per variant; 5000 take 5000 / 250 = 20 days. */
  @Test
  void reachability_isCheckedWithoutPowerInputs_andSaysPowerWasNotChecked() throws IOException {
    List<Lint.Finding> f = Lint.run(withArticle(article()), OptionalDouble.of(500));
    assertThat(lines(f, Lint.Level.WARNING)).containsExactly("checkout-progress-bar.yaml:duration.minimum_runtime_days:"
        + " warning: at 500 units a day, 7 days give about 1750 units to the smallest variant, short of 5000; that"
        + " takes 20 days");
    assertThat(lines(f, Lint.Level.NOTE)).singleElement().asString().contains("power not checked");
  }

  @Test
  void perUserMetricInAPerCompanyExperiment_isAnErrorUntilTheClusterAnalysisIsDeclared() throws IOException {
    String yaml = """
        kind: metric
        key: seat_revenue
        type: mean
        event: revenue
        unit: id
        ---
        name: seats
        hash_attribute: company
        variants:
          - {name: control, allocation: 50%}
          - {name: treatment, allocation: 50%}
        metrics: {primary: seat_revenue, guardrails: [checkout_error_rate]}
        ANALYSIS""";
    List<AsCodeFile> files = new ArrayList<>(examples());
    files.add(new AsCodeFile("seats.yaml", yaml.replace("ANALYSIS", "")));
    assertThat(lines(Lint.run(files, OptionalDouble.empty()), Lint.Level.ERROR)).singleElement().asString()
        .contains("seats.yaml").contains("analysis.unit").contains("'seat_revenue' is measured per 'id'");
    files.set(files.size() - 1, new AsCodeFile("seats.yaml", yaml.replace("ANALYSIS", "analysis: {unit: id}")));
    assertThat(lines(Lint.run(files, OptionalDouble.empty()), Lint.Level.ERROR)).isEmpty();
  }
}
