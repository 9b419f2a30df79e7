package dev.assay.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code assay apply -f DIR|FILE}: makes the project match the files, one transaction per
 * resource with optimistic versions (the server's as-code endpoint). It does not ask for
 * confirmation: review with {@code assay plan} first (in CI: plan on the pull request, apply on
 * merge). Exit codes: 0 success, 1 error.
 */
@Command(name = "apply", mixinStandardHelpOptions = true,
    description = {"Make the project's resources match the files (create, update; delete with --prune).",
        "Prints what it changed, like plan. Does not ask: run assay plan first to review.",
        "Exit code: 0 success, 1 error."},
    footer = {"", "Examples:", "  assay apply -f examples/as-code/",
        "  assay apply -f config/ --prune --project shop",
        "  assay apply -f experiments/checkout.yaml --new-phase   # change a running experiment's variants"})
final class ApplyCommand extends RemoteCommand {
  @Option(names = {"-f", "--file"}, required = true, paramLabel = "DIR|FILE",
      description = "A resource file, or a directory searched recursively for *.yaml, *.yml and *.json.")
  Path file;

  @Option(names = "--prune", description = "Also delete the project's resources that no file describes.")
  boolean prune;

  @Option(names = "--new-phase",
      description = "Allow changing a running experiment's variants or allocation by starting a new phase"
          + " (re-randomises assignment).")
  boolean newPhase;

  @Option(names = "--verbose", description = "List the unchanged resources too, not only their count.")
  boolean verbose;

  @Override
  public Integer call() {
    JsonNode body;
    try {
      body = AsCodeFiles.body(AsCodeFiles.collect(file, "-f"));
    } catch (CliInputException e) {
      throw new CliFailure(e.getMessage(), e);
    }
    String query = (prune ? "&prune=true" : "") + (newPhase ? "&new_phase=true" : "");
    JsonNode answer = client().post("/as-code/apply" + (query.isEmpty() ? "" : "?" + query.substring(1)), body);
    if (remote.json()) {
      printJson(answer);
    } else {
      PlanView.print(out(), answer, verbose);
    }
    return 0;
  }
}
