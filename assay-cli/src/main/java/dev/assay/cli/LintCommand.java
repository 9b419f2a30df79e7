package dev.assay.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.ascode.AsCodeFile;
import dev.assay.server.ascode.Lint;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code assay lint}: checks configuration files (docs/as-code.md) without a server, with
 * {@link Lint}: one {@code file:path: error|warning|note: message} line per finding.
 */
@Command(
    name = "lint",
    mixinStandardHelpOptions = true,
    description = {
      "Check experiment-as-code files without a server: syntax, schema, allocations, references between the"
          + " files, overlapping layer ranges, missing guardrails, and power (sample size against the stated"
          + " minimum detectable effect, baseline rate and daily traffic).",
    },
    footer = {
      "",
      "Examples:",
      "  assay lint -f examples/as-code/",
      "  assay lint -f experiment.yaml --daily-traffic 20000 --output json",
      "",
      "Exit codes: 0 no errors (warnings and notes allowed), 1 errors found, 2 bad input (no such file).",
    })
final class LintCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Option(names = {"-f", "--file"}, required = true, paramLabel = "DIR|FILE",
      description = "A .yaml, .yml or .json file, or a directory read recursively.")
  Path path;

  @Option(names = "--daily-traffic", paramLabel = "N",
      description = "Units a day entering each experiment whose file states no duration.expected_daily_traffic.")
  Double dailyTraffic;

  @Option(names = "--output", defaultValue = "text", paramLabel = "FORMAT",
      description = "text (default) or json.")
  String output;

  @Override
  public Integer call() {
    if (!output.equals("text") && !output.equals("json")) {
      throw new CliInputException("--output: must be text or json, was '" + output + "'");
    }
    if (dailyTraffic != null && !(dailyTraffic > 0)) {
      throw new CliInputException("--daily-traffic: must be a positive number of units a day, was " + dailyTraffic);
    }
    List<AsCodeFile> files = AsCodeFiles.collect(path, "-f");
    List<Lint.Finding> findings = Lint.run(files,
        dailyTraffic == null ? OptionalDouble.empty() : OptionalDouble.of(dailyTraffic));
    long errors = findings.stream().filter(f -> f.level() == Lint.Level.ERROR).count();
    long warnings = findings.stream().filter(f -> f.level() == Lint.Level.WARNING).count();
    PrintWriter out = spec.commandLine().getOut();
    if (output.equals("json")) {
      ObjectNode doc = JSON.createObjectNode();
      doc.put("files", files.size()).put("errors", errors).put("warnings", warnings);
      ArrayNode list = doc.putArray("findings");
      findings.forEach(f -> list.addObject().put("level", f.level().wire()).put("where", f.where())
          .put("message", f.message()));
      out.println(doc.toPrettyString());
    } else {
      findings.forEach(f -> out.println(f.line()));
      out.println(files.size() + " file" + (files.size() == 1 ? "" : "s") + ": " + errors + " error"
          + (errors == 1 ? "" : "s") + ", " + warnings + " warning" + (warnings == 1 ? "" : "s"));
    }
    out.flush();
    return errors > 0 ? 1 : 0;
  }
}
