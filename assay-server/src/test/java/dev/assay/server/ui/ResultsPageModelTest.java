package dev.assay.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.server.ui.ResultsPageModel.Numbers;
import dev.assay.server.ui.ResultsPageModel.Results;
import dev.assay.server.ui.ResultsPageModel.Role;
import dev.assay.server.ui.ResultsPageModel.Verdict;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The results page's verdicts, sections and banners for known inputs. */
class ResultsPageModelTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static Numbers n(Double effect, Double lo, Double hi, boolean significant) {
    return new Numbers(effect, lo, hi, 100.0, null, significant);
  }

  @Test
  void verdict_significantInTheBetterDirection_isAWin_andInTheWorseALoss() {
    assertThat(ResultsPageModel.verdict(Role.PRIMARY, true, false, false, 0, n(0.04, 0.02, 0.06, true)))
        .isEqualTo(Verdict.WIN);
    assertThat(ResultsPageModel.verdict(Role.PRIMARY, true, false, false, 0, n(-0.04, -0.06, -0.02, true)))
        .isEqualTo(Verdict.LOSS);
    // lower is better: a significant decrease wins
    assertThat(ResultsPageModel.verdict(Role.SECONDARY, false, false, false, 0, n(-5.0, -8.0, -2.0, true)))
        .isEqualTo(Verdict.WIN);
  }

  @Test
  void verdict_notSignificant_isFlat_andMissingOrTooSmall_isNotEnoughData() {
    assertThat(ResultsPageModel.verdict(Role.PRIMARY, true, false, false, 0, n(0.01, -0.01, 0.03, false)))
        .isEqualTo(Verdict.FLAT);
    assertThat(ResultsPageModel.verdict(Role.PRIMARY, true, true, false, 0, n(0.04, 0.02, 0.06, true)))
        .isEqualTo(Verdict.NOT_ENOUGH_DATA);
    assertThat(ResultsPageModel.verdict(Role.PRIMARY, true, false, false, 0, n(0.04, null, null, false)))
        .isEqualTo(Verdict.NOT_ENOUGH_DATA);
  }

  @Test
  void verdict_guardrailBeyondItsThreshold_isBreached_withinIt_isALossOnly() {
    // lower is better, control mean 100, threshold 5%: breached when the whole interval is above +5.
    assertThat(ResultsPageModel.verdict(Role.GUARDRAIL, false, false, false, 0.05, n(9.0, 6.0, 12.0, true)))
        .isEqualTo(Verdict.GUARDRAIL_BREACHED);
    assertThat(ResultsPageModel.verdict(Role.GUARDRAIL, false, false, false, 0.05, n(4.0, 1.0, 7.0, true)))
        .isEqualTo(Verdict.LOSS);
    assertThat(ResultsPageModel.verdict(Role.GUARDRAIL, false, false, false, 0.05, n(0.2, -2.0, 2.4, false)))
        .isEqualTo(Verdict.FLAT);
  }

  @Test
  void verdict_bayesian_followsTheChanceToWin() {
    Numbers clearWinner = new Numbers(0.03, 0.01, 0.05, 0.1, 0.995, true);
    Numbers clearLoser = new Numbers(0.03, 0.01, 0.05, 0.1, 0.004, true);
    assertThat(ResultsPageModel.verdict(Role.PRIMARY, true, false, true, 0, clearWinner)).isEqualTo(Verdict.WIN);
    assertThat(ResultsPageModel.verdict(Role.PRIMARY, true, false, true, 0, clearLoser)).isEqualTo(Verdict.LOSS);
    assertThat(ResultsPageModel.verdict(Role.PRIMARY, true, false, true, 0, new Numbers(0.03, null, null, 0.1, null,
        false))).isEqualTo(Verdict.NOT_ENOUGH_DATA);
  }

  @Test
  void of_groupsBySection_andRaisesTheHealthBanners() throws Exception {
    JsonNode exp = JSON.readTree("""
        {"key":"e","plannedUnits":1000,"metrics":{"primary":"buy","secondary":["rev"],
         "guardrails":[{"metric":"latency","direction":"decrease","threshold":0.05}]},
         "halted":{"by":"guardrail-monitor","reason":"latency breached","at":"2026-01-02T00:00:00Z"}}""");
    JsonNode snap = JSON.readTree("""
        {"phase":1,"computedAt":"2026-01-04T00:00:00Z","from":"2026-01-01T00:00:00Z",
         "settings":{"engine":"frequentist","alpha":0.05,"sequential":true,"correction":"benjamini_hochberg"},
         "health":{"srm":true,"srmPValue":0.0001,"srmSequentialPValue":0.0002,"multipleExposureUnits":30,
           "multipleExposureRate":0.03,"tooSmall":false,"progress":0.5,
           "units":[{"variant":"c","units":400,"share":0.4,"expectedShare":0.5},{"variant":"t","units":600,"share":0.6,"expectedShare":0.5}]},
         "results":[
          {"metric":"buy","variant":"t","effect":0.02,"ciLower":0.01,"ciUpper":0.03,"controlMean":0.1,"significant":true,"notes":[]},
          {"metric":"rev","variant":"t","effect":null,"ciLower":null,"ciUpper":null,"controlMean":5,"significant":false,"notes":["no data"]},
          {"metric":"latency","variant":"t","effect":90,"ciLower":60,"ciUpper":120,"controlMean":800,"significant":true,"notes":[]}]}""");
    Results r = ResultsPageModel.of(exp, snap, Map.of("buy", true, "rev", true, "latency", true), 1);
    assertThat(r.sections()).extracting(s -> s.rows().get(0).verdict())
        .containsExactly(Verdict.WIN, Verdict.NOT_ENOUGH_DATA, Verdict.GUARDRAIL_BREACHED);
    assertThat(r.sections().get(1).rows().get(0).notes()).containsExactly("no data");
    List<String> kinds = r.banners().stream().map(ResultsPageModel.Banner::kind).toList();
    assertThat(kinds).containsExactly("halted", "srm", "multiple-exposures", "progress", "runtime");
    assertThat(r.banners().get(1).level()).isEqualTo("bad");
    assertThat(r.banners().get(2).level()).isEqualTo("warn");
    assertThat(r.banners().get(4).text()).contains("3 days");
  }

  @Test
  void banners_dataQuality_excludedCountsAndChecksNotOk() throws Exception {
    JsonNode snap = JSON.readTree("""
        {"phase":1,"health":{"srm":false,"srmPValue":0.5,"units":[],"dataQuality":{
          "excluded":[{"kind":"exposure","reason":"bot_rate","events":2},{"kind":"metric","reason":"clock_skew_future","events":1}],
          "checks":[{"check":"multiple_exposure","status":"ok","value":0,"message":"0.00%"},
                    {"check":"metric_sources","status":"warn","value":1,"message":"no events in the phase for [refund]"},
                    {"check":"late_data","status":"fail","value":0.14,"message":"1 exposures arrived late"}]}}}""");
    List<ResultsPageModel.Banner> b = ResultsPageModel.banners(JSON.readTree("{\"key\":\"e\"}"), snap);
    assertThat(b).extracting(ResultsPageModel.Banner::kind).containsExactly("srm", "excluded",
        "data-quality-metric_sources", "data-quality-late_data");
    assertThat(b.get(1).text()).isEqualTo("Excluded as flagged at ingestion: 2 exposures (bot rate), 1 metric (clock skew"
        + " future).");
    assertThat(b).extracting(ResultsPageModel.Banner::level).containsExactly("ok", "info", "warn", "bad");
  }

  @Test
  void of_readsQuantileComparisons_atTheExperimentsAlpha() throws Exception {
    JsonNode exp = JSON.readTree("{\"key\":\"e\",\"metrics\":{\"primary\":\"p90\"}}");
    JsonNode snap = JSON.readTree("""
        {"phase":1,"computedAt":"2026-01-04T00:00:00Z","settings":{"engine":"frequentist","alpha":0.01},
         "health":{"srm":false,"srmPValue":0.5,"tooSmall":false,"units":[]},"results":[],
         "quantileResults":[{"metric":"p90","variant":"t","method":"quantile_outer_ci_clustered","level":0.9,
           "controlQuantile":10,"variantQuantile":12,"effect":2,"ciLower":0.5,"ciUpper":3.5,"pValue":0.02}]}""");
    Results r = ResultsPageModel.of(exp, snap, Map.of("p90", true), 1);
    ResultsPageModel.Row row = r.sections().get(0).rows().get(0);
    assertThat(row.metric()).isEqualTo("p90 (p90)");
    // p = 0.02 is not below this experiment's α = 0.01
    assertThat(row.verdict()).isEqualTo(Verdict.FLAT);
    assertThat(r.sections().get(0).metrics()).isEmpty();
  }

  @Test
  void of_showsTheClusterAndTriggerDesignsAsBanners() throws Exception {
    JsonNode exp = JSON.readTree("{\"key\":\"e\",\"metrics\":{\"primary\":\"rev\"}}");
    JsonNode snap = JSON.readTree("""
        {"phase":1,"computedAt":"2026-01-04T00:00:00Z","settings":{"engine":"frequentist","alpha":0.05},
         "health":{"srm":false,"srmPValue":0.5,"tooSmall":false,"units":[]},"results":[],
         "cluster":{"unit":"id","randomizedBy":"company","variants":[{"variant":"c","clusters":40,"units":900},
           {"variant":"t","clusters":41,"units":1100}]},
         "trigger":{"event":"checkout_viewed","exposedUnits":2000,"triggeredUnits":600,"share":0.3,
           "diluted":[{"metric":"rev","variant":"t","effect":0.3,"ciLower":0.1,"ciUpper":0.5}]},
         "stratification":{"attribute":"tier","results":[{"metric":"rev","variant":"t","effect":1.1,"ciLower":0.7,
           "ciUpper":1.5,"varianceReduction":0.9}]}}""");
    Results r = ResultsPageModel.of(exp, snap, Map.of("rev", true), 1);
    Map<String, String> byKind = new java.util.HashMap<>();
    r.banners().forEach(b -> byKind.put(b.kind(), b.text()));
    assertThat(byKind.get("cluster")).contains("'company'").contains("'id'").contains("2,000 units in 81 clusters");
    assertThat(byKind.get("trigger")).contains("'checkout_viewed'").contains("600 of 2,000").contains("30.0%")
        .contains("rev/t 0.3000 [0.1000, 0.5000]");
    assertThat(byKind.get("stratification")).contains("'tier'").contains("rev/t 1.1000 [0.7000, 1.5000] (variance −90%)");
  }
}
