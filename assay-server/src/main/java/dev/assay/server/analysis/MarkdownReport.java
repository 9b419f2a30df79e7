package dev.assay.server.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.analysis.AnalysisSnapshot.Breakdown;
import dev.assay.server.analysis.AnalysisSnapshot.Health;
import dev.assay.server.analysis.AnalysisSnapshot.Interaction;
import dev.assay.server.analysis.AnalysisSnapshot.QuantileRow;
import dev.assay.server.analysis.AnalysisSnapshot.Result;
import dev.assay.server.analysis.AnalysisSnapshot.UnitCount;
import dev.assay.server.domain.model.Correction;
import dev.assay.server.domain.model.Decision;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.Halt;
import dev.assay.server.domain.model.ModelJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The decision-relevant summary of an experiment's latest results as Markdown: hypothesis, health
 * (sample ratio, multiple exposures, sample size), and per metric and variant the effect with its
 * interval, the relative lift, the adjusted p-value, CUPED's variance reduction and the chance to
 * win, followed by the caveats the analysis noted. Every test is read at the α the snapshot was
 * computed with.
 */
public final class MarkdownReport {
  private MarkdownReport() {}

  /** The report of an experiment view and a stored snapshot, as the API holds them. */
  public static String render(JsonNode experimentView, JsonNode snapshot) {
    return render(ModelJson.fromView(Experiment.class, experimentView), SnapshotJson.read(snapshot));
  }

  /**
   * As {@link #render(JsonNode, JsonNode)}, ending with where the snapshot's lineage is and how to
   * reproduce it (ADR 0043).
   */
  public static String render(JsonNode experimentView, JsonNode snapshot, long snapshotId, String project) {
    String q = "?project=" + java.net.URLEncoder.encode(project, java.nio.charset.StandardCharsets.UTF_8);
    return render(experimentView, snapshot) + "\n## Lineage\n\n"
        + "Snapshot " + snapshotId + ": the SQL, parameters and rows read of each warehouse query, the data window,"
        + " the warehouse and Assay versions, the settings and the definition hashes are at"
        + " [`/api/v1/snapshots/" + snapshotId + "/lineage" + q + "`](/api/v1/snapshots/" + snapshotId + "/lineage" + q
        + ") (web UI: [lineage](/ui/snapshots/" + snapshotId + "/lineage" + q + ")). Reproduce it with `assay reproduce "
        + snapshotId + " --project " + project + "`.\n";
  }

  public static String render(Experiment experiment, AnalysisSnapshot snapshot) {
    StringBuilder md = new StringBuilder();
    md.append("# ").append(experiment.name().isEmpty() ? experiment.key() : experiment.name()).append("\n\n");
    if (!experiment.hypothesis().isEmpty()) {
      md.append("**Hypothesis:** ").append(experiment.hypothesis()).append("\n\n");
    }
    md.append("Status: ").append(experiment.status().wire()).append(" · phase ").append(snapshot.phase())
        .append(" since ").append(snapshot.from()).append(" · computed ").append(snapshot.computedAt()).append("\n\n");
    experiment.halted().ifPresent(h -> halted(md, h));
    health(md, snapshot.health());
    results(md, snapshot);
    quantiles(md, snapshot.quantileResults());
    segments(md, snapshot.dimensions(), snapshot.settings().alpha());
    notes(md, snapshot.results());
    experiment.decision().ifPresent(d -> decision(md, d));
    return md.toString();
  }

  private static void halted(StringBuilder md, Halt h) {
    md.append("**Halted** by ").append(h.by()).append(" at ").append(h.at())
        .append(" (traffic goes to control): ").append(h.reason()).append("\n\n");
  }

  private static void health(StringBuilder md, Health h) {
    md.append("## Health\n\n");
    md.append("| variant | units |\n|---|---:|\n");
    for (UnitCount u : h.units()) {
      md.append("| ").append(u.variant()).append(" | ").append(u.units()).append(" |\n");
    }
    md.append("\n- Sample ratio: ").append(h.srm() ? "**MISMATCH**" : "ok")
        .append(String.format(Locale.ROOT, " (χ² p = %.4g", h.srmPValue()))
        .append(Double.isNaN(h.srmSequentialPValue()) ? ""
            : String.format(Locale.ROOT, ", sequential p = %.4g", h.srmSequentialPValue()))
        .append(")\n");
    md.append(String.format(Locale.ROOT, "- Units in more than one variation (excluded): %d (%.2f%%)%n",
        h.multipleExposureUnits(), 100 * h.multipleExposureRate()));
    h.progress().ifPresent(p -> md.append(String.format(Locale.ROOT, "- Progress to the planned sample: %.0f%%%n", 100 * p)));
    if (!h.dataQuality().excluded().isEmpty()) {
      md.append("- Excluded as flagged at ingestion: ").append(String.join(", ", h.dataQuality().excluded().stream()
          .map(x -> x.events() + " " + x.kind() + " (" + x.reason() + ")").toList())).append('\n');
    }
    for (String w : h.warnings()) {
      md.append("- ⚠ ").append(w).append('\n');
    }
  }

  private static void results(StringBuilder md, AnalysisSnapshot snapshot) {
    md.append("\n## Results\n\n");
    AnalysisSnapshot.Settings settings = snapshot.settings();
    md.append(settings.sequential()
        ? "Intervals are always-valid (safe to read at any time)" : "Intervals are fixed-horizon (valid for one look)");
    md.append(String.format(Locale.ROOT, ", %.0f%% confidence", 100 * (1 - settings.alpha())));
    Correction c = settings.correction();
    md.append(c == Correction.NONE ? "; p-values are not adjusted for multiple metrics.\n\n"
        : "; p-values are adjusted for the goal and secondary metrics (" + switch (c) {
          case HOLM -> "Holm";
          case BONFERRONI -> "Bonferroni";
          default -> "Benjamini–Hochberg";
        } + ").\n\n");
    md.append("| metric | variant | effect [CI] | lift [CI] | p adj. | CUPED | P(better) |\n");
    md.append("|---|---|---|---|---:|---:|---:|\n");
    for (Result r : snapshot.results()) {
      md.append("| ").append(r.metric()).append(r.significant() ? " **✓**" : "").append(" | ").append(r.variant())
          .append(" | ").append(num(r.effect())).append(" [").append(num(r.ciLower())).append(", ")
          .append(num(r.ciUpper())).append("]")
          .append(" | ").append(pct(r.lift())).append(" [").append(pct(r.liftCiLower())).append(", ")
          .append(pct(r.liftCiUpper())).append("]")
          .append(" | ").append(p(r.pValueAdjusted()))
          .append(" | ").append(r.cupedVarianceReduction().isPresent()
              ? String.format(Locale.ROOT, "−%.0f%% var", 100 * r.cupedVarianceReduction().getAsDouble()) : "–")
          .append(" | ").append(r.chanceToWin().isPresent()
              ? String.format(Locale.ROOT, "%.1f%%", 100 * r.chanceToWin().getAsDouble()) : "–")
          .append(" |\n");
    }
  }

  private static void quantiles(StringBuilder md, List<QuantileRow> rows) {
    if (rows.isEmpty()) {
      return;
    }
    md.append("\n| quantile metric | variant | control | variant | difference [CI] | lift |\n");
    md.append("|---|---|---:|---:|---|---:|\n");
    for (QuantileRow q : rows) {
      md.append("| ").append(q.metric()).append(String.format(Locale.ROOT, " (p%.0f)", 100 * q.level().orElse(0)))
          .append(" | ").append(q.variant())
          .append(" | ").append(num(q.controlQuantile())).append(" | ").append(num(q.variantQuantile()))
          .append(" | ").append(num(q.effect())).append(" [").append(num(q.ciLower())).append(", ")
          .append(num(q.ciUpper())).append("] | ").append(pct(q.lift())).append(" |\n");
    }
  }

  private static void segments(StringBuilder md, Map<String, Breakdown> dims, double alpha) {
    if (dims.isEmpty()) {
      return;
    }
    md.append("\n## Segments\n\n");
    dims.forEach((name, d) -> {
      List<String> differing = new ArrayList<>();
      for (Interaction i : d.interaction()) {
        // The interaction test is read at the experiment's own α, like every other result.
        if (i.pValue().isPresent() && i.pValue().getAsDouble() < alpha) {
          differing.add(String.format(Locale.ROOT, "%s / %s (Cochran's Q p = %.3g)", i.metric(), i.variant(),
              i.pValue().getAsDouble()));
        }
      }
      md.append("- **").append(name).append("** (").append(d.levels().size()).append(" levels): ")
          .append(differing.isEmpty() ? "no evidence that the effect differs between levels"
              : "the effect differs between levels for " + String.join(", ", differing)).append('\n');
    });
  }

  private static void notes(StringBuilder md, List<Result> results) {
    boolean notes = false;
    for (Result r : results) {
      for (String n : r.notes()) {
        if (!notes) {
          md.append("\n## Notes\n\n");
          notes = true;
        }
        md.append("- ").append(r.metric()).append(" / ").append(r.variant()).append(": ").append(n).append('\n');
      }
    }
  }

  private static void decision(StringBuilder md, Decision d) {
    md.append("\n## Decision\n\n").append(d.outcome().wire());
    d.variant().ifPresent(v -> md.append(": ship ").append(v));
    md.append("\n\n").append(d.writeUp()).append('\n');
  }

  private static String num(OptionalDouble v) {
    if (v.isEmpty()) {
      return "–";
    }
    double d = v.getAsDouble();
    return Math.abs(d) >= 1e5 || (Math.abs(d) < 1e-3 && d != 0) ? String.format(Locale.ROOT, "%.3e", d)
        : String.format(Locale.ROOT, "%.4f", d);
  }

  private static String pct(OptionalDouble v) {
    return v.isPresent() ? String.format(Locale.ROOT, "%+.2f%%", 100 * v.getAsDouble()) : "–";
  }

  private static String p(OptionalDouble v) {
    if (v.isEmpty()) {
      return "–";
    }
    double d = v.getAsDouble();
    return String.format(Locale.ROOT, d < 1e-4 ? "%.1e" : "%.4f", d);
  }
}
