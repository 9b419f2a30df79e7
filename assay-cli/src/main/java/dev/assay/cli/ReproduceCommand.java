package dev.assay.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code assay reproduce SNAPSHOT_ID}: asks the server to run a results snapshot's recorded
 * warehouse queries again ({@code POST /api/v1/snapshots/{id}/reproduce}, ADR 0043) and prints,
 * per metric and variation, the recorded and recomputed numbers and whether they match. Exit 0
 * when every number matches, {@value #EXIT_NOT_REPRODUCED} when one does not.
 */
@Command(name = "reproduce", mixinStandardHelpOptions = true,
    description = {"Re-run a results snapshot's recorded queries against the warehouse and compare the numbers.",
        "Per metric and variation: the recorded and recomputed n and sums, and whether they match exactly.",
        "A changed experiment or metric definition, or warehouse version, is reported.",
        "Exit 0 when every number matches, 3 when one does not."},
    footer = {"", "The snapshot id is the snapshotId of the results (assay results KEY --output json).", "",
        "Examples:", "  assay reproduce 42 --project demo",
        "  assay reproduce 42 --project demo --output json | jq '.numbers[] | select(.match | not)'"})
final class ReproduceCommand extends RemoteCommand {
  /** Exit code when a number came back different. */
  static final int EXIT_NOT_REPRODUCED = 3;

  @Parameters(paramLabel = "SNAPSHOT_ID", description = "The snapshot's id (its snapshotId).")
  long id;

  @Override
  public Integer call() {
    if (id <= 0) {
      throw new CliInputException("SNAPSHOT_ID must be a positive whole number (the snapshotId of the results),"
          + " was " + id);
    }
    JsonNode r = client().post("/snapshots/" + id + "/reproduce", null);
    boolean reproduced = r.path("reproduced").asBoolean(false);
    if (remote.json()) {
      printJson(r);
      return reproduced ? 0 : EXIT_NOT_REPRODUCED;
    }
    JsonNode w = r.path("window");
    out().println("snapshot " + id + " · experiment " + r.path("experiment").asText() + " · phase "
        + r.path("phase").asText() + " · computed " + r.path("computedAt").asText());
    out().println("window: " + w.path("from").asText() + " to "
        + (w.path("to").isTextual() ? w.path("to").asText() : "open (the latest phase)"));
    JsonNode wh = r.path("warehouse");
    out().println("warehouse: " + wh.path("kind").asText() + " " + wh.path("recorded").asText()
        + (wh.path("changed").asBoolean() ? " then, " + wh.path("current").asText() + " now" : ""));
    for (JsonNode c : r.path("changes")) {
      out().println("changed: " + c.asText());
    }
    out().println();
    TextTable table = new TextTable("METRIC", "VARIANT", "LEVEL", "STATISTIC", "RECORDED", "RECOMPUTED", "MATCH");
    for (JsonNode n : r.path("numbers")) {
      table.row(n.path("metric").asText(), n.path("variant").asText(), n.path("level").asText("-"),
          n.path("statistic").asText(), value(n.path("recorded")), value(n.path("recomputed")),
          n.path("match").asBoolean() ? "yes" : "NO");
    }
    table.print(out());
    for (JsonNode q : r.path("queries")) {
      JsonNode read = q.path("rowsRead");
      if (read.path("changed").asBoolean()) {
        out().println("rows read by query " + q.path("index").asText() + " (" + q.path("purpose").asText() + "): "
            + reads(read.path("recorded")) + " then, " + reads(read.path("current")) + " now");
      }
    }
    out().println();
    out().println(reproduced ? "reproduced: every recorded number came back equal"
        : "NOT reproduced: " + r.path("mismatches").asInt() + " number(s) differ");
    out().flush();
    return reproduced ? 0 : EXIT_NOT_REPRODUCED;
  }

  /* A number exactly as the server sent it (no rounding: equal-looking numbers must be equal). */
  private static String value(JsonNode v) {
    return v == null || v.isNull() || v.isMissingNode() ? "-" : v.asText();
  }

  private static String reads(JsonNode r) {
    return r.path("exposures").asText() + " exposures" + (r.path("metricEvents").isNumber()
        ? ", " + r.path("metricEvents").asText() + " metric events" : "");
  }
}
