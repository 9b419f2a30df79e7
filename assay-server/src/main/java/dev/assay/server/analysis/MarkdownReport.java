package dev.assay.server.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;

/**
 * The decision-relevant summary of an experiment's latest results as Markdown: hypothesis, health
 * (sample ratio, multiple exposures, sample size), and per metric and variant the effect with its
 * interval, the relative lift, the adjusted p-value, CUPED's variance reduction and the chance to
 * win, followed by the caveats the analysis noted.
 */
public final class MarkdownReport {
  private MarkdownReport() {}

  public static String render(JsonNode experiment, JsonNode snapshot) {
    StringBuilder md = new StringBuilder();
    String name = experiment.path("name").asText("");
    md.append("# ").append(name.isEmpty() ? experiment.path("key").asText() : name).append("\n\n");
    if (!experiment.path("hypothesis").asText("").isEmpty()) {
      md.append("**Hypothesis:** ").append(experiment.path("hypothesis").asText()).append("\n\n");
    }
    md.append("Status: ").append(experiment.path("status").asText()).append(" · phase ")
        .append(snapshot.path("phase").asInt()).append(" since ").append(snapshot.path("from").asText())
        .append(" · computed ").append(snapshot.path("computedAt").asText()).append("\n\n");
    JsonNode halted = experiment.path("halted");
    if (halted.isObject()) {
      md.append("**Halted** by ").append(halted.path("by").asText()).append(" at ").append(halted.path("at").asText())
          .append(" (traffic goes to control): ").append(halted.path("reason").asText()).append("\n\n");
    }
    JsonNode h = snapshot.path("health");
    md.append("## Health\n\n");
    md.append("| variant | units |\n|---|---:|\n");
    for (JsonNode u : h.path("units")) {
      md.append("| ").append(u.path("variant").asText()).append(" | ").append(u.path("units").asLong()).append(" |\n");
    }
    md.append("\n- Sample ratio: ").append(h.path("srm").asBoolean() ? "**MISMATCH**" : "ok")
        .append(String.format(Locale.ROOT, " (χ² p = %.4g", h.path("srmPValue").asDouble()))
        .append(h.path("srmSequentialPValue").isNumber()
            ? String.format(Locale.ROOT, ", sequential p = %.4g", h.path("srmSequentialPValue").asDouble()) : "")
        .append(")\n");
    md.append(String.format(Locale.ROOT, "- Units in more than one variation (excluded): %d (%.2f%%)%n",
        h.path("multipleExposureUnits").asLong(), 100 * h.path("multipleExposureRate").asDouble()));
    if (h.has("progress")) {
      md.append(String.format(Locale.ROOT, "- Progress to the planned sample: %.0f%%%n", 100 * h.path("progress").asDouble()));
    }
    for (JsonNode w : h.path("warnings")) {
      md.append("- ⚠ ").append(w.asText()).append('\n');
    }
    md.append("\n## Results\n\n");
    JsonNode settings = snapshot.path("settings");
    String correction = settings.path("correction").asText("benjamini_hochberg");
    md.append(settings.path("sequential").asBoolean(true)
        ? "Intervals are always-valid (safe to read at any time)" : "Intervals are fixed-horizon (valid for one look)");
    md.append(String.format(Locale.ROOT, ", %.0f%% confidence", 100 * (1 - settings.path("alpha").asDouble(0.05))));
    md.append(correction.equals("none") ? "; p-values are not adjusted for multiple metrics.\n\n"
        : "; p-values are adjusted for the goal and secondary metrics (" + switch (correction) {
          case "holm" -> "Holm";
          case "bonferroni" -> "Bonferroni";
          default -> "Benjamini–Hochberg";
        } + ").\n\n");
    md.append("| metric | variant | effect [CI] | lift [CI] | p adj. | CUPED | P(better) |\n");
    md.append("|---|---|---|---|---:|---:|---:|\n");
    for (JsonNode r : snapshot.path("results")) {
      md.append("| ").append(r.path("metric").asText()).append(r.path("significant").asBoolean() ? " **✓**" : "")
          .append(" | ").append(r.path("variant").asText())
          .append(" | ").append(num(r.path("effect"))).append(" [").append(num(r.path("ciLower"))).append(", ")
          .append(num(r.path("ciUpper"))).append("]")
          .append(" | ").append(pct(r.path("lift"))).append(" [").append(pct(r.path("liftCiLower"))).append(", ")
          .append(pct(r.path("liftCiUpper"))).append("]")
          .append(" | ").append(p(r.path("pValueAdjusted")))
          .append(" | ").append(r.path("cupedVarianceReduction").isNumber()
              ? String.format(Locale.ROOT, "−%.0f%% var", 100 * r.path("cupedVarianceReduction").asDouble()) : "–")
          .append(" | ").append(r.path("chanceToWin").isNumber()
              ? String.format(Locale.ROOT, "%.1f%%", 100 * r.path("chanceToWin").asDouble()) : "–")
          .append(" |\n");
    }
    if (snapshot.path("quantileResults").size() > 0) {
      md.append("\n| quantile metric | variant | control | variant | difference [CI] | lift |\n");
      md.append("|---|---|---:|---:|---|---:|\n");
      for (JsonNode q : snapshot.path("quantileResults")) {
        md.append("| ").append(q.path("metric").asText()).append(String.format(Locale.ROOT, " (p%.0f)",
            100 * q.path("level").asDouble())).append(" | ").append(q.path("variant").asText())
            .append(" | ").append(num(q.path("controlQuantile"))).append(" | ").append(num(q.path("variantQuantile")))
            .append(" | ").append(num(q.path("effect"))).append(" [").append(num(q.path("ciLower"))).append(", ")
            .append(num(q.path("ciUpper"))).append("] | ").append(pct(q.path("lift"))).append(" |\n");
      }
    }
    JsonNode dims = snapshot.path("dimensions");
    // The interaction test is read at the experiment's own α, like every other result.
    double alpha = settings.path("alpha").asDouble(0.05);
    if (dims.isObject() && dims.size() > 0) {
      md.append("\n## Segments\n\n");
      dims.fields().forEachRemaining(d -> {
        List<String> differing = new java.util.ArrayList<>();
        for (JsonNode i : d.getValue().path("interaction")) {
          if (i.path("pValue").isNumber() && i.path("pValue").asDouble() < alpha) {
            differing.add(String.format(Locale.ROOT, "%s / %s (Cochran's Q p = %.3g)", i.path("metric").asText(),
                i.path("variant").asText(), i.path("pValue").asDouble()));
          }
        }
        md.append("- **").append(d.getKey()).append("** (").append(d.getValue().path("levels").size())
            .append(" levels): ").append(differing.isEmpty() ? "no evidence that the effect differs between levels"
                : "the effect differs between levels for " + String.join(", ", differing)).append('\n');
      });
    }
    boolean notes = false;
    for (JsonNode r : snapshot.path("results")) {
      for (JsonNode n : r.path("notes")) {
        if (!notes) {
          md.append("\n## Notes\n\n");
          notes = true;
        }
        md.append("- ").append(r.path("metric").asText()).append(" / ").append(r.path("variant").asText())
            .append(": ").append(n.asText()).append('\n');
      }
    }
    JsonNode decision = experiment.path("decision");
    if (decision.isObject()) {
      md.append("\n## Decision\n\n").append(decision.path("outcome").asText());
      if (decision.hasNonNull("variant")) {
        md.append(": ship ").append(decision.path("variant").asText());
      }
      md.append("\n\n").append(decision.path("writeUp").asText("")).append('\n');
    }
    return md.toString();
  }

  private static String num(JsonNode v) {
    if (!v.isNumber()) {
      return "–";
    }
    double d = v.asDouble();
    return Math.abs(d) >= 1e5 || (Math.abs(d) < 1e-3 && d != 0) ? String.format(Locale.ROOT, "%.3e", d)
        : String.format(Locale.ROOT, "%.4f", d);
  }

  private static String pct(JsonNode v) {
    return v.isNumber() ? String.format(Locale.ROOT, "%+.2f%%", 100 * v.asDouble()) : "–";
  }

  private static String p(JsonNode v) {
    return v.isNumber() ? String.format(Locale.ROOT, v.asDouble() < 1e-4 ? "%.1e" : "%.4f", v.asDouble()) : "–";
  }
}
