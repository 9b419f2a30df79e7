package dev.assay.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code assay results KEY}: an experiment's latest results snapshot as a table of metrics ×
 * variants, the snapshot's JSON, or the server's Markdown report.
 */
@Command(name = "results", mixinStandardHelpOptions = true,
    description = {"Show an experiment's latest results, per metric and variant.",
        "The effect, its interval, the lift, the (adjusted) p-value, the chance to win, and whether it is significant."},
    footer = {"", "Examples:", "  assay results checkout-button --project demo --refresh",
        "  assay results checkout-button --project demo --format markdown > report.md",
        "  assay results checkout-button --project demo --format json | jq '.results[0].lift'"})
final class ResultsCommand extends RemoteCommand {
  enum Format { table, json, markdown }

  @Parameters(paramLabel = "KEY", description = "The experiment's key.")
  String key;

  @Option(names = "--format", paramLabel = "FORMAT",
      description = "table, json (the snapshot) or markdown (the server's report). Default: table, or json with --output json.")
  Format format;

  @Option(names = "--refresh", description = "Compute the results from the events now before showing them.")
  boolean refresh;

  @Override
  public Integer call() {
    Format f = format != null ? format : remote.json() ? Format.json : Format.table;
    String path = "/experiments/" + ApiClient.encode(key);
    JsonNode snapshot = refresh ? client().post(path + "/refresh", null) : null;
    if (f == Format.markdown) {
      out().print(withHint(() -> client().getText(path + "/report.md", "text/markdown")));
      out().flush();
      return 0;
    }
    if (snapshot == null) {
      snapshot = withHint(() -> client().get(path + "/results"));
    }
    if (f == Format.json) {
      printJson(snapshot);
    } else {
      printTable(snapshot);
    }
    return 0;
  }

  /** Adds how to compute results to the server's "no results yet". */
  private <T> T withHint(java.util.function.Supplier<T> fetch) {
    try {
      return fetch.get();
    } catch (CliFailure e) {
      if (e.getMessage().contains("no results yet")) {
        throw new CliFailure(e.getMessage() + "\n  (assay results " + key + " --refresh computes them now)", e);
      }
      throw e;
    }
  }

  private void printTable(JsonNode s) {
    out().println("experiment " + s.path("experiment").asText(key) + " · phase " + s.path("phase").asText("-")
        + " · computed " + s.path("computedAt").asText("-")
        + (s.hasNonNull("snapshotId") ? " · snapshot " + s.path("snapshotId").asText() : ""));
    JsonNode health = s.path("health");
    List<String> units = new ArrayList<>();
    for (JsonNode u : health.path("units")) {
      units.add(u.path("variant").asText() + " " + u.path("units").asText()
          + " (" + percent(u.path("share").asDouble(), false) + ")");
    }
    out().println("units: " + (units.isEmpty() ? "none" : String.join(", ", units))
        + " · sample ratio: " + (health.path("srm").asBoolean(false) ? "MISMATCH" : "ok")
        + (health.hasNonNull("srmPValue") ? " (p " + number(health.get("srmPValue")) + ")" : ""));
    for (JsonNode w : health.path("warnings")) {
      out().println("warning: " + w.asText());
    }
    out().println();
    TextTable table = new TextTable("METRIC", "VARIANT", "CONTROL", "TREATMENT", "EFFECT", "CI", "LIFT",
        "LIFT CI", "P", "CHANCE TO WIN", "SIGNIFICANT");
    for (JsonNode r : s.path("results")) {
      JsonNode p = r.hasNonNull("pValueAdjusted") ? r.get("pValueAdjusted") : r.get("pValue");
      table.row(r.path("metric").asText(), r.path("variant").asText(), number(r.get("controlMean")),
          number(r.get("variantMean")), number(r.get("effect")),
          interval(number(r.get("ciLower")), number(r.get("ciUpper"))),
          percentOrDash(r.get("lift")), interval(percentOrDash(r.get("liftCiLower")), percentOrDash(r.get("liftCiUpper"))),
          number(p), r.hasNonNull("chanceToWin") ? percent(r.get("chanceToWin").asDouble(), false) : "-", r.path("significant").asBoolean(false) ? "yes" : "no");
    }
    if (table.isEmpty()) {
      out().println("no metric results in this snapshot");
    } else {
      table.print(out());
    }
    for (JsonNode r : s.path("results")) {
      for (JsonNode n : r.path("notes")) {
        out().println("note (" + r.path("metric").asText() + ", " + r.path("variant").asText() + "): " + n.asText());
      }
    }
    out().flush();
  }

  private static String interval(String lower, String upper) {
    return "-".equals(lower) && "-".equals(upper) ? "-" : "[" + lower + ", " + upper + "]";
  }

  /** Four significant digits, or "-" for an absent value. */
  static String number(JsonNode n) {
    if (n == null || !n.isNumber()) {
      return "-";
    }
    double v = n.asDouble();
    if (v == Math.rint(v) && Math.abs(v) < 1e9) {
      return String.valueOf((long) v);
    }
    return Math.abs(v) < 1e-4 || Math.abs(v) >= 1e6
        ? String.format(Locale.ROOT, "%.3g", v) : String.format(Locale.ROOT, "%.4g", v).replaceAll("(\\.\\d*?)0+$", "$1").replaceAll("\\.$", "");
  }

  private static String percentOrDash(JsonNode n) {
    return n == null || !n.isNumber() ? "-" : percent(n.asDouble(), true);
  }

  private static String percent(double v, boolean signed) {
    return String.format(Locale.ROOT, signed ? "%+.2f%%" : "%.1f%%", v * 100);
  }
}
