package dev.assay.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code assay plan -f DIR|FILE}: what {@code apply} would change. Exit codes fit CI: 0 no change,
 * 2 changes planned, 1 an error (bad files included).
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
    description = {"Show what applying the resource files would change in the project.",
        "+ create, ~ update (with the changed fields), - delete (with --prune), = unchanged.",
        "Exit code: 0 no change, 2 changes planned, 1 error."},
    footer = {"", "Examples:", "  assay plan -f examples/as-code/",
        "  assay plan -f experiments/checkout.yaml --project shop --verbose",
        "  assay plan -f config/ --prune || [ $? -eq 2 ]   # CI: changes are fine, errors are not"})
final class PlanCommand extends RemoteCommand {
  /** Exit code of a plan with changes. */
  static final int EXIT_CHANGES = 2;

  @Option(names = {"-f", "--file"}, required = true, paramLabel = "DIR|FILE",
      description = "A resource file, or a directory searched recursively for *.yaml, *.yml and *.json.")
  Path file;

  @Option(names = "--prune", description = "Also plan to delete the project's resources that no file describes.")
  boolean prune;

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
    JsonNode answer = client().post("/as-code/plan" + (prune ? "?prune=true" : ""), body);
    if (remote.json()) {
      printJson(answer);
    } else {
      PlanView.print(out(), answer, verbose);
    }
    return PlanView.hasChanges(answer) ? EXIT_CHANGES : 0;
  }
}
