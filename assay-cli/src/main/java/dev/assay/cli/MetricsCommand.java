package dev.assay.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code assay metrics list|get KEY}: the project's metric catalogue. */
@Command(name = "metrics", mixinStandardHelpOptions = true,
    description = "List the metric catalogue or show one metric.",
    subcommands = {MetricsCommand.ListCommand.class, MetricsCommand.GetCommand.class},
    footer = {"", "Examples:", "  assay metrics list --project demo", "  assay metrics get purchase --project demo"})
final class MetricsCommand {
  static final ResourceViews VIEWS = new ResourceViews("metric", "/metrics", List.of(
      ResourceViews.Column.field("KEY", "key"),
      ResourceViews.Column.field("NAME", "name"),
      ResourceViews.Column.field("TYPE", "type"),
      new ResourceViews.Column("SOURCE", MetricsCommand::source),
      ResourceViews.Column.field("DIRECTION", "direction"),
      ResourceViews.Column.field("VERSION", "version"),
      ResourceViews.UPDATED));

  private static String source(JsonNode metric) {
    if (metric.hasNonNull("event")) {
      return "event " + metric.get("event").asText();
    }
    if (metric.hasNonNull("sql")) {
      return "sql";
    }
    if (metric.hasNonNull("numerator")) {
      return metric.path("numerator").asText() + " / " + metric.path("denominator").asText();
    }
    return "-";
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List the project's metrics: key, name, type, source, direction, version.")
  static final class ListCommand extends RemoteCommand {
    @Override
    public Integer call() {
      return VIEWS.list(this);
    }
  }

  @Command(name = "get", mixinStandardHelpOptions = true, description = "Show one metric.")
  static final class GetCommand extends RemoteCommand {
    @Parameters(paramLabel = "KEY", description = "The metric's key.")
    String key;

    @Override
    public Integer call() {
      return VIEWS.get(this, key);
    }
  }
}
