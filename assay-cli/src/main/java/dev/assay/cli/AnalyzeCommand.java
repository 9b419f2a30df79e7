package dev.assay.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.cli.AnalysisInput.QuantileMetric;
import dev.assay.cli.AnalysisInput.QuantileResult;
import dev.assay.server.analysis.SnapshotJson;
import dev.assay.stats.AnalysisSettings;
import dev.assay.stats.ExperimentAnalysis;
import dev.assay.stats.MetricData;
import dev.assay.stats.QuantileComparison;
import dev.assay.stats.SampleRatioMismatch;
import dev.assay.stats.SequentialSampleRatioTest;
import dev.assay.stats.StatsException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code assay analyze}: analyses an experiment from per-variant sufficient statistics (the input
 * format is documented in {@code docs/statistics.md} with {@code examples/analysis.json}).
 */
@Command(
    name = "analyze",
    mixinStandardHelpOptions = true,
    description = {
      "Analyse an experiment from per-variant sufficient statistics: effects with confidence"
          + " intervals (Welch t, CUPED, always-valid sequential), relative lift (Fieller),"
          + " chance to win, multiple-testing correction and the sample-ratio check.",
    },
    footer = {"", "Example:", "  assay analyze --input examples/analysis.json",
        "  assay analyze --input examples/analysis.json --format json",
        "", "Input format: docs/statistics.md, section \"Analysing an experiment\"."})
final class AnalyzeCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--input", required = true, paramLabel = "FILE", description = "Experiment statistics (JSON).")
  Path input;

  @Option(names = "--format", defaultValue = "table", paramLabel = "FORMAT",
      description = "table (default) or json.")
  String format;

  @Option(names = "--previous", paramLabel = "FILE",
      description = "The --format json output of this experiment's previous analysis: sequential intervals"
          + " and p-values continue as its running intersection and running minimum.")
  Path previous;

  @Override
  public Integer call() throws Exception {
    if (!format.equals("table") && !format.equals("json")) {
      throw new CliInputException("--format: must be 'table' or 'json', was '" + format + "'");
    }
    JsonNode doc = JsonFiles.read(input, "--input");
    if (!doc.isObject()) {
      throw new CliInputException("--input: the document must be a JSON object");
    }
    AnalysisSettings settings = AnalysisInput.settings(doc.path("settings"));
    AnalysisInput.Variants vs = AnalysisInput.variants(doc);
    List<String> variants = vs.keys();
    long[] units = vs.units();
    double[] weights = vs.weights();
    SequentialSampleRatioTest sequentialSrm = AnalysisInput.dailyUnits(doc.get("dailyUnits"), weights);
    AnalysisInput.Metrics ms = AnalysisInput.metrics(doc, variants, settings.alpha());
    List<MetricData> metrics = ms.metrics();
    List<QuantileMetric> quantiles = ms.quantiles();
    ExperimentAnalysis analysis;
    try {
      analysis = ExperimentAnalysis.analyze(variants, units, weights, metrics, settings,
          previous == null ? Map.of() : AnalysisInput.previousStates(JsonFiles.read(previous, "--previous")));
    } catch (StatsException e) {
      throw new CliInputException("--input: " + e.getMessage());
    }
    List<QuantileResult> quantileResults = new ArrayList<>();
    for (QuantileMetric q : quantiles) {
      for (int v = 1; v < variants.size(); v++) {
        quantileResults.add(new QuantileResult(q.key(), variants.get(v), q.role(),
            QuantileComparison.of(q.arms().get(0), q.arms().get(v))));
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (format.equals("json")) {
      ObjectNode root = toJson(analysis);
      if (sequentialSrm != null) {
        ObjectNode seq = root.putObject("srmSequential");
        seq.put("method", "srm_dirichlet_multinomial");
        seq.put("batches", sequentialSrm.batches());
        seq.put("concentration", sequentialSrm.concentration());
        seq.put("logBayesFactor", sequentialSrm.logBayesFactor());
        seq.put("pValue", sequentialSrm.pValue());
        seq.put("flagged", sequentialSrm.flagged(SampleRatioMismatch.DEFAULT_THRESHOLD));
      }
      if (!quantileResults.isEmpty()) {
        root.set("quantiles", quantilesJson(quantileResults));
      }
      out.println(JsonFiles.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root));
    } else {
      AnalysisTable.table(out, doc.path("experiment").asText(input.getFileName().toString()), analysis, sequentialSrm);
      AnalysisTable.quantileTable(out, quantileResults, settings.alpha());
    }
    out.flush();
    return 0;
  }

  private static ArrayNode quantilesJson(List<QuantileResult> results) {
    ArrayNode arr = JsonFiles.MAPPER.createArrayNode();
    for (QuantileResult q : results) {
      QuantileComparison c = q.comparison();
      ObjectNode o = arr.addObject();
      o.put("metric", q.metric());
      o.put("variant", q.variant());
      o.put("role", q.role().name().toLowerCase(Locale.ROOT));
      o.put("method", c.method().id());
      o.put("level", c.level());
      c.control().ifPresentOrElse(e -> o.set("control", JsonFiles.MAPPER.valueToTree(e)), () -> o.putNull("control"));
      c.treatment().ifPresentOrElse(e -> o.set("treatment", JsonFiles.MAPPER.valueToTree(e)), () -> o.putNull("treatment"));
      c.difference().ifPresentOrElse(e -> o.set("difference", JsonFiles.MAPPER.valueToTree(e)),
          () -> o.putNull("difference"));
      c.lift().ifPresentOrElse(e -> o.set("lift", JsonFiles.MAPPER.valueToTree(e)), () -> o.putNull("lift"));
      ArrayNode notes = o.putArray("notes");
      c.missing().ifPresent(notes::add);
      SnapshotJson.row(o);
    }
    return arr;
  }

  /*
   * Settings and result rows are written by the server's SnapshotJson, so the CLI prints results
   * exactly as a stored snapshot holds them.
   */
  private static ObjectNode toJson(ExperimentAnalysis a) {
    ObjectNode root = JsonFiles.MAPPER.createObjectNode();
    root.set("settings", SnapshotJson.settings(SnapshotJson.settings(a.settings())));
    ObjectNode srm = root.putObject("srm");
    srm.put("method", "chi_square");
    srm.put("chi2", a.srm().chi2());
    srm.put("df", a.srm().df());
    srm.put("pValue", a.srm().pValue());
    srm.put("flagged", a.srm().flagged());
    root.set("results", SnapshotJson.results(a.results()));
    return root;
  }
}
