package dev.assay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input to every command that reads files or numbers: a missing file, malformed JSON and
 * wrong field types each get one line naming the option or JSON field, exit code 2 (1 for
 * verify-stats cases that run and fail), and never a stack trace.
 */
class CliBadInputTest {

  @TempDir static Path dir;

  private static final String V = "\"variants\":[{\"key\":\"a\",\"units\":10},{\"key\":\"b\",\"units\":10}]";
  private static final String M = "\"metrics\":[{\"key\":\"m\",\"type\":\"mean\",\"data\":{"
      + "\"a\":{\"n\":10,\"sum\":5,\"sum_squares\":9},\"b\":{\"n\":10,\"sum\":6,\"sum_squares\":9}}}]";

  private static String metric(String body) {
    return "{" + V + ",\"metrics\":[" + body + "]}";
  }

  static Stream<Arguments> badAnalysisDocuments() {
    return Stream.of(
        Arguments.of("truncated JSON", "{" + V + "," + M, "--input", "not valid JSON"),
        Arguments.of("trailing comma", "{" + V + "," + M + ",}", "--input", "not valid JSON"),
        Arguments.of("array document", "[1, 2]", "--input", "must be a JSON object"),
        Arguments.of("string document", "\"x\"", "--input", "must be a JSON object"),
        Arguments.of("no variants", "{" + M + "}", "$.variants", "is required"),
        Arguments.of("variants not an array", "{\"variants\":{}," + M + "}", "$.variants", "at least two"),
        Arguments.of("variant not an object", "{\"variants\":[{\"key\":\"a\",\"units\":10},7]," + M + "}",
            "$.variants[1]", "must be an object"),
        Arguments.of("variant key a number", "{\"variants\":[{\"key\":5,\"units\":10},{\"key\":\"b\",\"units\":10}],"
            + M + "}", "$.variants[0].key", "must be a string"),
        Arguments.of("units a string", "{\"variants\":[{\"key\":\"a\",\"units\":\"ten\"},{\"key\":\"b\",\"units\":10}],"
            + M + "}", "$.variants[0].units", "whole number"),
        Arguments.of("negative weight", "{\"variants\":[{\"key\":\"a\",\"units\":10,\"weight\":-1},"
            + "{\"key\":\"b\",\"units\":10}]," + M + "}", "$.variants[0].weight", "must be positive"),
        Arguments.of("duplicate variant", "{\"variants\":[{\"key\":\"a\",\"units\":10},{\"key\":\"a\",\"units\":10}],"
            + M + "}", "$.variants[1].key", "duplicate"),
        Arguments.of("settings an array", "{" + V + "," + M + ",\"settings\":[1]}", "$.settings", "must be an object"),
        Arguments.of("alpha a string", "{" + V + "," + M + ",\"settings\":{\"alpha\":\"0.05\"}}", "$.settings.alpha",
            "must be a number"),
        Arguments.of("alpha out of range", "{" + V + "," + M + ",\"settings\":{\"alpha\":5}}", "$.settings.alpha",
            "(0, 1)"),
        Arguments.of("sequential a string", "{" + V + "," + M + ",\"settings\":{\"sequential\":\"yes\"}}",
            "$.settings.sequential", "true or false"),
        Arguments.of("plannedUnits negative", "{" + V + "," + M + ",\"settings\":{\"plannedUnits\":-5}}",
            "$.settings.plannedUnits", "non-negative whole number"),
        Arguments.of("prior a number", "{" + V + "," + M + ",\"settings\":{\"prior\":5}}", "$.settings.prior",
            "must be an object"),
        Arguments.of("prior variance zero", "{" + V + "," + M + ",\"settings\":{\"prior\":{\"variance\":0}}}",
            "$.settings.prior.variance", "positive"),
        Arguments.of("engine unknown", "{" + V + "," + M + ",\"settings\":{\"engine\":\"oracle\"}}",
            "$.settings.engine", "frequentist"),
        Arguments.of("metrics an object", "{" + V + ",\"metrics\":{}}", "$.metrics", "must be an array"),
        Arguments.of("metric a string", metric("\"m\""), "$.metrics[0]", "must be an object"),
        Arguments.of("metric type unknown", metric("{\"key\":\"m\",\"type\":\"median\",\"data\":{}}"),
            "$.metrics[0].type", "proportion, mean"),
        Arguments.of("direction unknown", metric("{\"key\":\"m\",\"direction\":\"up\",\"data\":{}}"),
            "$.metrics[0].direction", "increase"),
        Arguments.of("data an array", metric("{\"key\":\"m\",\"data\":[1]}"), "$.metrics[0].data",
            "object keyed by variant"),
        Arguments.of("data for unknown variant", metric("{\"key\":\"m\",\"data\":{\"zz\":{}}}"), "$.metrics[0].data.zz",
            "not a variant"),
        Arguments.of("variant data a number", metric("{\"key\":\"m\",\"data\":{\"a\":5,\"b\":{}}}"),
            "$.metrics[0].data.a", "must be an object"),
        Arguments.of("sum a string", metric("{\"key\":\"m\",\"data\":{\"a\":{\"n\":10,\"sum\":\"x\",\"sum_squares\":9},"
            + "\"b\":{\"n\":10,\"sum\":6,\"sum_squares\":9}}}"), "$.metrics[0].data.a.sum", "must be a number"),
        Arguments.of("sum overflows to infinity", metric("{\"key\":\"m\",\"data\":{\"a\":{\"n\":10,\"sum\":1e400,"
            + "\"sum_squares\":9},\"b\":{\"n\":10,\"sum\":6,\"sum_squares\":9}}}"), "$.metrics[0].data.a.sum", "finite"),
        Arguments.of("n fractional", metric("{\"key\":\"m\",\"data\":{\"a\":{\"n\":10.5,\"sum\":5,\"sum_squares\":9},"
            + "\"b\":{\"n\":10,\"sum\":6,\"sum_squares\":9}}}"), "$.metrics[0].data.a.n", "whole number"),
        Arguments.of("sum_x a string", metric("{\"key\":\"m\",\"data\":{\"a\":{\"n\":10,\"sum\":5,\"sum_squares\":9,"
            + "\"sum_x\":\"q\"},\"b\":{\"n\":10,\"sum\":6,\"sum_squares\":9}}}"), "$.metrics[0].data.a.sum_x",
            "must be a number"),
        Arguments.of("ratio missing sum_den", metric("{\"key\":\"m\",\"type\":\"ratio\",\"data\":{\"a\":{\"n\":10,"
            + "\"sum_num\":5},\"b\":{}}}"), "$.metrics[0].data.a.sum_den", "is required"),
        Arguments.of("conversions above n", metric("{\"key\":\"m\",\"type\":\"proportion\",\"data\":{\"a\":{\"n\":10,"
            + "\"sum\":50},\"b\":{\"n\":10,\"sum\":5}}}"), "$.metrics[0].data.a.sum", "between 0 and n"),
        Arguments.of("quantile level missing", metric("{\"key\":\"q\",\"type\":\"quantile\",\"data\":{}}"),
            "$.metrics[0].level", "is required"),
        Arguments.of("quantile level above 1", metric("{\"key\":\"q\",\"type\":\"quantile\",\"level\":90,"
            + "\"data\":{}}"), "$.metrics[0].level", "(0, 1)"),
        Arguments.of("quantile order statistics out of order", metric("{\"key\":\"q\",\"type\":\"quantile\","
            + "\"level\":0.9,\"data\":{\"a\":{\"n\":100,\"estimate\":5,\"lower\":6,\"upper\":7},\"b\":{}}}"),
            "$.metrics[0].data.a", "lower <= estimate <= upper"),
        Arguments.of("quantile estimate a string", metric("{\"key\":\"q\",\"type\":\"quantile\",\"level\":0.9,"
            + "\"data\":{\"a\":{\"n\":100,\"estimate\":\"5\",\"lower\":4,\"upper\":7},\"b\":{}}}"),
            "$.metrics[0].data.a.estimate", "must be a number"),
        Arguments.of("quantile one cluster", metric("{\"key\":\"q\",\"type\":\"quantile\",\"level\":0.9,"
            + "\"data\":{\"a\":{\"n\":100,\"estimate\":5,\"lower\":4,\"upper\":7,\"clusters\":{\"units\":1,"
            + "\"sum_events\":100}},\"b\":{}}}"), "$.metrics[0].data.a.clusters.units", "at least 2"),
        Arguments.of("dailyUnits not an array", "{" + V + ",\"dailyUnits\":5," + M + "}", "$.dailyUnits",
            "non-empty array"),
        Arguments.of("dailyUnits row too short", "{" + V + ",\"dailyUnits\":[[1]]," + M + "}", "$.dailyUnits[0]",
            "2 counts"),
        Arguments.of("dailyUnits negative count", "{" + V + ",\"dailyUnits\":[[1,2],[3,-1]]," + M + "}",
            "$.dailyUnits[1][1]", "non-negative whole number"),
        Arguments.of("margin a string", metric("{\"key\":\"m\",\"nonInferiorityMargin\":\"5%\",\"data\":{}}"),
            "$.metrics[0].nonInferiorityMargin", "must be a number"),
        Arguments.of("margin above 1", metric("{\"key\":\"m\",\"nonInferiorityMargin\":5,\"data\":{}}"),
            "$.metrics[0].nonInferiorityMargin", "(0, 1)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badAnalysisDocuments")
  void analyze_badDocument_exit2NamingTheField(String name, String json, String field, String detail) throws Exception {
    Path f = Files.writeString(dir.resolve(name.replace(' ', '-') + ".json"), json);

    assertBadInput(CliRun.of("analyze", "--input", f.toString()), 2, field, detail);
    assertBadInput(CliRun.of("analyze", "--input", f.toString(), "--format", "json"), 2, field, detail);
  }

  @Test
  void analyze_missingFileAndBadFormat_exit2() {
    assertBadInput(CliRun.of("analyze", "--input", dir.resolve("nope.json").toString()), 2, "--input", "not found");
    assertBadInput(CliRun.of("analyze", "--input", "../examples/analysis.json", "--format", "yaml"), 2, "--format",
        "table");
  }

  @Test
  void verifyStats_unreadableOrMisshapenFile_exit2() throws Exception {
    Path truncated = Files.writeString(dir.resolve("truncated.json"), "{\"cases\": [");
    Path notArray = Files.writeString(dir.resolve("cases-object.json"), "{\"cases\": 5}");
    Path caseNotObject = Files.writeString(dir.resolve("case-number.json"), "{\"cases\": [5]}");

    assertBadInput(CliRun.of("verify-stats", "--vectors", dir.resolve("nope.json").toString()), 2, "--vectors",
        "not found");
    CliRun run = CliRun.of("verify-stats", "--vectors", truncated.toString());
    assertBadInput(run, 2, "--vectors", "not valid JSON");
    assertThat(run.err()).as("no placeholder for the hidden source").doesNotContain("REDACTED");
    assertBadInput(CliRun.of("verify-stats", "--vectors", notArray.toString()), 2, "--vectors", "\"cases\" array");
    assertBadInput(CliRun.of("verify-stats", "--vectors", caseNotObject.toString()), 2, "cases[0]",
        "must be an object");
  }

  @Test
  void verifyStats_wrongFieldTypesInACase_failsThatCaseNamingTheField() throws Exception {
    Path f = Files.writeString(dir.resolve("typed.json"), """
        {"cases":[
          {"id":"text_n","kind":"welch_t_test","input":{"n_a":"abc","mean_a":1,"var_a":1,"n_b":10,"mean_b":1,
           "var_b":1,"alpha":0.05},"expected":{"diff":0}},
          {"id":"no_input","kind":"welch_t_test","input":[],"expected":{}},
          {"id":"missing_field","kind":"welch_t_test","input":{"n_a":10,"mean_a":1,"var_a":1,"n_b":10,"mean_b":1},
           "expected":{"diff":0}}]}""");

    CliRun run = CliRun.of("verify-stats", "--vectors", f.toString(), "--verbose");

    assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
    assertThat(run.out()).contains("0 passed, 3 failed").contains("'n_a'").contains("input").contains("var_b");
    assertThat(run.out() + run.err()).doesNotContain("\tat ").doesNotContain("Exception");
  }

  @Test
  void sampleSize_nonNumericOption_exit2NamingTheOption() {
    assertBadInput(CliRun.of("sample-size", "proportion", "--baseline", "ten"), 2, "--baseline", "ten");
    assertBadInput(CliRun.of("sample-size", "mean", "--sd", "1", "--delta", "0.5", "--power", "x"), 2, "--power", "x");
    assertBadInput(CliRun.of("sample-size", "mean", "--sd", "-1", "--delta", "0.5"), 2, "--sd", "positive");
    assertBadInput(CliRun.of("sample-size", "mean", "--sd", "1", "--delta", "0.5", "--cuped-rho", "1"), 2,
        "--cuped-rho", "(-1, 1)");
    assertBadInput(CliRun.of("sample-size", "proportion", "--baseline", "0.1", "--relative-mde", "0.1",
        "--sequential-looks", "-2"), 2, "--sequential-looks", "between");
  }

  @Test
  void eval_ndjsonLineNotJson_exit2NamingTheLine() throws Exception {
    Path users = Files.writeString(dir.resolve("users.ndjson"), "{\"id\":\"a\"}\n{\"id\": \n");

    CliRun run = CliRun.of("eval", "--payload", "../examples/payload.json", "--attributes-file", users.toString());

    assertBadInput(run, 2, "--attributes-file line 2", "not valid JSON");
    assertBadInput(CliRun.of("eval", "--payload", "../examples/payload.json", "--attributes-file",
        dir.resolve("none.ndjson").toString()), 2, "--attributes-file", "not found");
  }

  @Test
  void serve_badAnalysisMemory_exit2NamingTheOption() {
    assertBadInput(CliRun.of("serve", "--port", "0", "--data-dir", dir.resolve("serve-data").toString(),
        "--analysis-memory", "lots"), 2, "--analysis-memory", "such as 256MB");
    assertBadInput(CliRun.of("serve", "--port", "0", "--data-dir", dir.resolve("serve-data").toString(),
        "--analysis-memory", "1MB"), 2, "--analysis-memory", "at least 16MB");
  }

  private static void assertBadInput(CliRun run, int exit, String field, String detail) {
    assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(exit);
    assertThat(run.err()).contains(field).contains(detail);
    assertThat(run.err().lines().count()).as(run.err()).isLessThanOrEqualTo(3);
    assertThat(run.err()).doesNotContain("\tat ").doesNotContain("Exception");
  }
}
