package dev.assay.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code assay flags list|get KEY}: the project's feature flags. */
@Command(name = "flags", mixinStandardHelpOptions = true,
    description = "List feature flags or show one.",
    subcommands = {FlagsCommand.ListCommand.class, FlagsCommand.GetCommand.class},
    footer = {"", "Examples:", "  assay flags list --project demo", "  assay flags get new-header --project demo",
        "  assay flags list --output json | jq -r '.items[].key'"})
final class FlagsCommand {
  static final ResourceViews VIEWS = new ResourceViews("flag", "/flags", List.of(
      ResourceViews.Column.field("KEY", "key"),
      ResourceViews.Column.field("TYPE", "type"),
      ResourceViews.Column.field("DEFAULT", "defaultValue"),
      new ResourceViews.Column("STATUS", FlagsCommand::status),
      new ResourceViews.Column("ENVIRONMENTS", FlagsCommand::environments),
      ResourceViews.Column.field("VERSION", "version"),
      ResourceViews.UPDATED));

  private static String status(JsonNode flag) {
    String lifecycle = flag.path("lifecycle").asText("active");
    return flag.hasNonNull("killed") ? lifecycle + " (killed)" : lifecycle;
  }

  private static String environments(JsonNode flag) {
    List<String> envs = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : flag.path("environments").properties()) {
      envs.add(e.getKey() + (e.getValue().path("enabled").asBoolean(false) ? ":on" : ":off"));
    }
    envs.sort(null);
    return envs.isEmpty() ? "-" : String.join(" ", envs);
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List the project's flags: key, type, default, status, environments (on/off, by name), version.")
  static final class ListCommand extends RemoteCommand {
    @Override
    public Integer call() {
      return VIEWS.list(this);
    }
  }

  @Command(name = "get", mixinStandardHelpOptions = true, description = "Show one flag with its rules.")
  static final class GetCommand extends RemoteCommand {
    @Parameters(paramLabel = "KEY", description = "The flag's key.")
    String key;

    @Override
    public Integer call() {
      return VIEWS.get(this, key);
    }
  }
}
