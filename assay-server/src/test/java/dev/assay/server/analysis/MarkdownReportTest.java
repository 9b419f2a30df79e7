package dev.assay.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The report reads every result at the experiment's own α, not at a fixed 0.05. */
class MarkdownReportTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest(name = "alpha {0}")
  @CsvSource({"0.05, 95% confidence, the effect differs between levels", "0.01, 99% confidence, no evidence"})
  void segments_interactionReadAtTheExperimentsAlpha(double alpha, String confidence, String verdict) throws Exception {
    JsonNode experiment = JSON.readTree("""
        {"key":"exp","name":"Exp","status":"running",
         "variants":[{"key":"control","weight":0.5},{"key":"treatment","weight":0.5}]}""");
    JsonNode snapshot = JSON.readTree("""
        {"experiment":"exp","phase":1,"computedAt":"2026-12-01T00:00:00Z","settings":{"alpha":%s,"sequential":true,
         "correction":"none"},"health":{"units":[],"srm":false,"srmPValue":0.5,"multipleExposureUnits":0,
         "multipleExposureRate":0,"warnings":[]},"results":[],
         "dimensions":{"country":{"levels":{"NL":[],"US":[]},
           "interaction":[{"metric":"revenue","variant":"treatment","method":"cochran_q","pValue":0.03}]}}}"""
        .formatted(alpha));
    String md = MarkdownReport.render(experiment, snapshot);
    assertThat(md).contains(confidence);
    assertThat(md).contains("**country** (2 levels): " + verdict);
  }

  @org.junit.jupiter.api.Test
  void health_listsTheRowsExcludedAsFlagged() throws Exception {
    JsonNode experiment = JSON.readTree("""
        {"key":"exp","name":"Exp","status":"running",
         "variants":[{"key":"control","weight":0.5},{"key":"treatment","weight":0.5}]}""");
    JsonNode snapshot = JSON.readTree("""
        {"experiment":"exp","phase":1,"computedAt":"2026-12-01T00:00:00Z","settings":{"alpha":0.05},
         "health":{"units":[],"srm":false,"srmPValue":0.5,"warnings":["data quality: late_data fail: 3 late"],
          "dataQuality":{"excluded":[{"kind":"exposure","reason":"bot_rate","events":2}],"checks":[],"exposureEvents":9}},
         "results":[]}""");
    String md = MarkdownReport.render(experiment, snapshot);
    assertThat(md).contains("- Excluded as flagged at ingestion: 2 exposure (bot_rate)\n")
        .contains("- ⚠ data quality: late_data fail: 3 late");
  }
}
