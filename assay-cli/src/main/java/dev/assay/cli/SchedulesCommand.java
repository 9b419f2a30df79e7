package dev.assay.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code assay schedules list|create|cancel}: scheduled changes of flags and experiments (ADR 0030). */
@Command(name = "schedules", mixinStandardHelpOptions = true,
    description = "List, create or cancel scheduled changes of flags and experiments.",
    subcommands = {SchedulesCommand.ListCommand.class, SchedulesCommand.CreateCommand.class,
        SchedulesCommand.CancelCommand.class},
    footer = {"", "Examples:", "  assay schedules list --project demo",
        "  assay schedules create experiment checkout start --at 2030-01-31T09:00:00Z --reason 'launch'",
        "  assay schedules create flag new-header kill --at 2030-02-01T00:00:00Z",
        "  assay schedules create flag new-header start --environment production --at 2030-02-01T00:00:00Z \\",
        "      --plan '{\"steps\":[0.05,0.25,1.0],\"dwellSeconds\":3600,\"gates\":{\"errorRateMargin\":0.01}}'",
        "  assay schedules create flag new-header pause --environment production --at 2030-02-02T18:00:00Z",
        "  assay schedules cancel 3f2c...  (a pending one is cancelled, a finished one removed)"})
final class SchedulesCommand {
  static final ResourceViews VIEWS = new ResourceViews("schedule", "/schedules", List.of(
      ResourceViews.Column.field("ID", "id"),
      ResourceViews.Column.field("TARGET", "target"),
      ResourceViews.Column.field("KEY", "key"),
      ResourceViews.Column.field("ACTION", "action"),
      ResourceViews.Column.field("AT", "at"),
      ResourceViews.Column.field("STATUS", "status"),
      new ResourceViews.Column("OUTCOME", s -> s.hasNonNull("outcome") ? s.get("outcome").asText() : "-"),
      new ResourceViews.Column("ENVIRONMENT", s -> s.hasNonNull("environment") ? s.get("environment").asText()
          : "-")));

  private SchedulesCommand() {}

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List the project's scheduled changes, pending and past, by their instant.")
  static final class ListCommand extends RemoteCommand {
    @Override
    public Integer call() {
      return VIEWS.list(this);
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Schedule a change: experiments start|pause|stop|conclude|archive|kill|restore, flags kill|restore,"
          + " or a flag's rollout in an environment start|pause|resume|advance|rollback.")
  static final class CreateCommand extends RemoteCommand {
    @Parameters(index = "0", paramLabel = "TARGET", description = "flag or experiment.")
    String target;

    @Parameters(index = "1", paramLabel = "KEY", description = "The flag's or experiment's key.")
    String key;

    @Parameters(index = "2", paramLabel = "ACTION", description = "What to do at the instant.")
    String action;

    @Option(names = "--at", required = true, paramLabel = "INSTANT",
        description = "When, as an ISO-8601 instant with a zone (2030-01-31T09:00:00Z); in the future.")
    String at;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why (up to 500 characters).")
    String reason;

    @Option(names = "--decision", paramLabel = "JSON",
        description = "For conclude: the decision as JSON, e.g. '{\"outcome\":\"ship\",\"variant\":\"green\"}'.")
    String decision;

    @Option(names = "--environment", paramLabel = "ENV",
        description = "For a flag's rollout action: the environment of the rollout.")
    String environment;

    @Option(names = "--plan", paramLabel = "JSON",
        description = "For a rollout start: the plan as JSON (the body of PUT /flags/{key}/rollout), or @FILE.")
    String plan;

    @Override
    public Integer call() {
      if (!target.equals("flag") && !target.equals("experiment")) {
        throw new CliInputException("TARGET must be 'flag' or 'experiment', was '" + target + "'");
      }
      ObjectNode body = JsonFiles.MAPPER.createObjectNode().put("action", action).put("at", at);
      if (reason != null) {
        body.put("reason", reason);
      }
      if (decision != null) {
        body.set("decision", json(decision, "--decision"));
      }
      if (environment != null) {
        body.put("environment", environment);
      }
      if (plan != null) {
        body.set("plan", plan.startsWith("@") ? JsonFiles.read(Path.of(plan.substring(1)), "--plan")
            : json(plan, "--plan"));
      }
      JsonNode created = client().post("/" + target + "s/" + ApiClient.encode(key) + "/schedule", body);
      if (remote.json()) {
        printJson(created);
      } else {
        out().println("scheduled " + created.path("action").asText() + " of " + target + " '" + key + "' at "
            + created.path("at").asText() + " (id " + created.path("id").asText() + ")");
        out().flush();
      }
      return 0;
    }
  }

  private static JsonNode json(String text, String option) {
    try {
      return JsonFiles.MAPPER.readTree(text);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new CliInputException(option + " is not JSON: " + e.getOriginalMessage());
    }
  }

  @Command(name = "cancel", mixinStandardHelpOptions = true,
      description = "Cancel a pending scheduled change, or remove a finished one.")
  static final class CancelCommand extends RemoteCommand {
    @Parameters(paramLabel = "ID", description = "The schedule's id (from 'schedules list').")
    String id;

    @Override
    public Integer call() {
      JsonNode answer = client().delete("/schedules/" + ApiClient.encode(id));
      if (remote.json()) {
        printJson(answer);
      } else {
        out().println(answer.has("status") ? "cancelled schedule " + id : "removed finished schedule " + id);
        out().flush();
      }
      return 0;
    }
  }
}
