package dev.assay.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.stats.vectors.VectorCheck;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code assay verify-stats}: runs a reference-vector file through the statistics engine. */
@Command(
    name = "verify-stats",
    mixinStandardHelpOptions = true,
    description = {
      "Check the statistics engine against reference values in the stat-vectors.json format"
          + " (e.g. your own values from R or SciPy).",
      "Prints per case PASS or FAIL and the largest relative error; exits 1 if any case fails.",
    },
    footer = {"", "Example:", "  assay verify-stats --vectors assay-stats/src/test/resources/vectors/stat-vectors.json"})
final class VerifyStatsCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--vectors", required = true, paramLabel = "FILE",
      description = "JSON file with a \"cases\" array: {id, kind, input, expected, tolerance}.")
  Path vectors;

  @Option(names = "--kind", paramLabel = "KIND", description = "Only run cases of this kind (repeatable).")
  List<String> kinds = new ArrayList<>();

  @Option(names = {"-v", "--verbose"}, description = "Print every mismatching field of failing cases.")
  boolean verbose;

  @Override
  public Integer call() {
    JsonNode doc = JsonFiles.read(vectors, "--vectors");
    JsonNode cases = doc.get("cases");
    if (cases == null || !cases.isArray()) {
      throw new CliInputException("--vectors: " + vectors + " has no \"cases\" array");
    }
    PrintWriter out = spec.commandLine().getOut();
    int passed = 0;
    int failed = 0;
    out.printf("%-28s %-26s %-6s %s%n", "case", "kind", "result", "max rel. error");
    for (int i = 0; i < cases.size(); i++) {
      JsonNode c = cases.get(i);
      if (!c.isObject()) {
        throw new CliInputException("--vectors: cases[" + i + "] must be an object");
      }
      if (!kinds.isEmpty() && !kinds.contains(c.path("kind").asText())) {
        continue;
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> testCase = JsonFiles.MAPPER.convertValue(c, Map.class);
      if (!testCase.containsKey("id")) {
        testCase.put("id", "cases[" + i + "]");
      }
      VectorCheck.Outcome o = VectorCheck.run(testCase);
      if (o.passed()) {
        passed++;
      } else {
        failed++;
      }
      out.printf("%-28s %-26s %-6s %s%n", o.id(), o.kind(), o.passed() ? "PASS" : "FAIL",
          Double.isNaN(o.maxRelativeError()) ? "-" : String.format("%.2e", o.maxRelativeError()));
      if (!o.passed()) {
        List<String> shown = verbose ? o.mismatches() : o.mismatches().subList(0, Math.min(3, o.mismatches().size()));
        shown.forEach(m -> out.println("    " + m));
        if (shown.size() < o.mismatches().size()) {
          out.println("    ... " + (o.mismatches().size() - shown.size()) + " more (use --verbose)");
        }
      }
    }
    out.printf("%n%d passed, %d failed%n", passed, failed);
    out.flush();
    return failed == 0 ? 0 : 1;
  }
}
