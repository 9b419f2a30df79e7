package dev.assay.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code assay experiments ...}: list, show, and move experiments through their lifecycle. */
@Command(name = "experiments", mixinStandardHelpOptions = true,
    description = {"List experiments, show one, and move one through its lifecycle.",
        "draft -> running <-> paused -> stopped -> concluded -> archived."},
    subcommands = {ExperimentsCommand.ListCommand.class, ExperimentsCommand.GetCommand.class,
        ExperimentsCommand.Start.class, ExperimentsCommand.Pause.class, ExperimentsCommand.Stop.class,
        ExperimentsCommand.Conclude.class, ExperimentsCommand.Archive.class},
    footer = {"", "Examples:", "  assay experiments list --project demo",
        "  assay experiments start checkout-progress-bar",
        "  assay experiments conclude checkout-progress-bar --decision ship:treatment --write-up decision.md"})
final class ExperimentsCommand {
  static final ResourceViews VIEWS = new ResourceViews("experiment", "/experiments", List.of(
      ResourceViews.Column.field("KEY", "key"),
      ResourceViews.Column.field("NAME", "name"),
      new ResourceViews.Column("STATUS", ExperimentsCommand::status),
      ResourceViews.Column.field("TYPE", "type"),
      new ResourceViews.Column("VARIANTS", ExperimentsCommand::variants),
      new ResourceViews.Column("PHASE", e -> e.path("phases").isEmpty() ? "-" : String.valueOf(e.path("phases").size())),
      ResourceViews.Column.field("VERSION", "version"),
      ResourceViews.UPDATED));

  private static String status(JsonNode e) {
    String status = e.path("status").asText("-");
    if (e.hasNonNull("halted")) {
      return status + " (halted)";
    }
    return e.hasNonNull("killed") ? status + " (killed)" : status;
  }

  private static String variants(JsonNode e) {
    List<String> out = new ArrayList<>();
    for (JsonNode v : e.path("variants")) {
      out.add(v.path("key").asText() + " " + Math.round(v.path("weight").asDouble() * 1000) / 10.0 + "%");
    }
    return out.isEmpty() ? "-" : String.join(", ", out);
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List the project's experiments: key, name, status, type, variants, phase, version.")
  static final class ListCommand extends RemoteCommand {
    @Override
    public Integer call() {
      return VIEWS.list(this);
    }
  }

  @Command(name = "get", mixinStandardHelpOptions = true,
      description = "Show one experiment: design, status, phases and decision.")
  static final class GetCommand extends RemoteCommand {
    @Parameters(paramLabel = "KEY", description = "The experiment's key.")
    String key;

    @Override
    public Integer call() {
      return VIEWS.get(this, key);
    }
  }

  /** A lifecycle action: {@code POST /experiments/{key}/{action}}. */
  abstract static class Transition extends RemoteCommand {
    @Parameters(paramLabel = "KEY", description = "The experiment's key.")
    String key;

    abstract String action();

    JsonNode body() {
      return null;
    }

    @Override
    public Integer call() {
      JsonNode body = body();
      JsonNode after = client().post("/experiments/" + ApiClient.encode(key) + "/" + action(), body);
      if (remote.json()) {
        printJson(after);
        return 0;
      }
      int phases = after.path("phases").size();
      out().println("experiment " + key + " is now " + after.path("status").asText()
          + (phases > 0 ? " (phase " + phases + ", version " : " (version ") + after.path("version").asText() + ")");
      after.path("decision").properties().forEach(d -> {
        if (!"writeUp".equals(d.getKey())) {
          out().println("  decision." + d.getKey() + ": " + d.getValue().asText());
        }
      });
      out().flush();
      return 0;
    }
  }

  @Command(name = "start", mixinStandardHelpOptions = true,
      description = "Start (or resume) an experiment: a draft begins its first phase, with a new hashing seed.")
  static final class Start extends Transition {
    @Override
    String action() {
      return "start";
    }
  }

  @Command(name = "pause", mixinStandardHelpOptions = true,
      description = "Pause a running experiment (it serves nothing until started again).")
  static final class Pause extends Transition {
    @Override
    String action() {
      return "pause";
    }
  }

  @Command(name = "stop", mixinStandardHelpOptions = true,
      description = "Stop a running or paused experiment; conclude it next with a decision.")
  static final class Stop extends Transition {
    @Override
    String action() {
      return "stop";
    }
  }

  @Command(name = "archive", mixinStandardHelpOptions = true, description = "Archive a concluded experiment.")
  static final class Archive extends Transition {
    @Override
    String action() {
      return "archive";
    }
  }

  @Command(name = "conclude", mixinStandardHelpOptions = true,
      description = "Conclude a stopped experiment with a decision and its write-up.",
      footer = {"", "Examples:",
          "  assay experiments conclude checkout-progress-bar --decision ship:treatment --write-up decision.md",
          "  assay experiments conclude onboarding --decision rollback --write-up - < why.md"})
  static final class Conclude extends Transition {
    @Option(names = "--decision", required = true, paramLabel = "DECISION",
        description = "ship:VARIANT (serve that variant), rollback (back to control) or inconclusive.")
    String decision;

    @Option(names = "--write-up", required = true, paramLabel = "FILE",
        description = "Markdown file with the decision's write-up ('-' reads standard input).")
    String writeUp;

    @Option(names = "--audience", paramLabel = "WHO",
        description = "For ship: 'experiment' (default: the units the experiment targets) or 'everyone'.")
    String audience;

    @Override
    String action() {
      return "conclude";
    }

    @Override
    JsonNode body() {
      ObjectNode d = JsonFiles.MAPPER.createObjectNode();
      String[] parts = decision.split(":", 2);
      String outcome = parts[0].strip().toLowerCase(Locale.ROOT);
      switch (outcome) {
        case "ship" -> {
          if (parts.length < 2 || parts[1].isBlank()) {
            throw new CliInputException("--decision: 'ship' names the variant to ship, e.g. ship:treatment");
          }
          d.put("outcome", "ship").put("variant", parts[1].strip());
        }
        case "rollback", "inconclusive" -> {
          if (parts.length > 1) {
            throw new CliInputException("--decision: '" + outcome + "' takes no variant, was '" + decision + "'");
          }
          d.put("outcome", outcome);
        }
        default -> throw new CliInputException("--decision: must be ship:VARIANT, rollback or inconclusive, was '"
            + decision + "'");
      }
      if (audience != null) {
        if (!"ship".equals(outcome)) {
          throw new CliInputException("--audience: only a ship decision has an audience");
        }
        d.put("audience", audience.strip().toLowerCase(Locale.ROOT));
      }
      d.put("writeUp", readWriteUp());
      ObjectNode body = JsonFiles.MAPPER.createObjectNode();
      body.set("decision", d);
      return body;
    }

    private String readWriteUp() {
      String text;
      try {
        text = "-".equals(writeUp)
            ? new String(remote.context().stdin().readAllBytes(), StandardCharsets.UTF_8)
            : Files.readString(Path.of(writeUp), StandardCharsets.UTF_8);
      } catch (NoSuchFileException e) {
        throw new CliInputException("--write-up: file not found: " + writeUp);
      } catch (IOException | java.io.UncheckedIOException e) {
        throw new CliInputException("--write-up: cannot read " + writeUp + ": " + e.getMessage());
      }
      if (text.isBlank()) {
        throw new CliInputException("--write-up: " + writeUp + " is empty; the decision needs a write-up");
      }
      return text;
    }
  }
}
