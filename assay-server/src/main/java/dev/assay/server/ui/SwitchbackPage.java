package dev.assay.server.ui;

import dev.assay.server.analysis.DesignSeries;
import dev.assay.server.analysis.SwitchbackStatistics;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.model.Experiment;
import dev.assay.stats.ClusteredMeanDifference;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The switchback page of an experiment: the window × region analysis of {@code GET
 * /api/v1/experiments/{key}/switchback} (docs/designs.md "Switchbacks"): each variant's mean per
 * event in every window ({@link DesignSeries#switchback}, drawn by uPlot in {@code designs.js}) and
 * a table — per variant the difference in the mean per event with its cluster-robust interval
 * beside the naive SE.
 */
public final class SwitchbackPage {
  private final UiContext ui;

  SwitchbackPage(UiContext ui) {
    this.ui = ui;
  }

  /** {@code experiments/switchback.jte}. */
  public record View(Shell shell, String key, String schedule, int cells, long events, long burnInEvents,
      List<Row> rows, String series) {}

  /** One variant against control, formatted. */
  public record Row(String variant, String controlMean, String variantMean, String difference, String interval,
      String se, String naiveSe, String designEffect, String p, String cells) {}

  void register(Pages pages) {
    pages.get("/ui/experiments/{key}/switchback", Permission.READ, c -> {
      Experiment e = ui.experiments().switchbackExperiment(c.project(), c.path("key"));
      SwitchbackStatistics.Result r = ui.experiments().switchback(c.project(), e);
      var s = e.switchback().orElseThrow();
      String schedule = s.windowSeconds() + " s windows by '" + s.regionAttribute() + "', burn-in "
          + s.burnInSeconds() + " s, from " + s.start().orElse("1970-01-01T00:00:00Z");
      List<Row> rows = new ArrayList<>();
      r.comparisons().forEach((v, d) -> rows.add(row(e.variants().get(v).key(), d)));
      long events = r.cells().stream().mapToLong(x -> x.sums().n()).sum();
      return UiResponse.ok(ui.views().render("experiments/switchback.jte", new View(
          c.shell("Switchback · " + e.key(), "experiments"), e.key(), schedule, r.cells().size(), events,
          r.burnInEvents(), rows, DesignSeries.switchback(e, s, r.cells()).toString())));
    });
  }

  private static Row row(String variant, ClusteredMeanDifference d) {
    return new Row(variant, n(d.meanA()), n(d.meanB()), n(d.difference()), "[" + n(d.ciLower()) + ", "
        + n(d.ciUpper()) + "]", n(d.se()), n(d.naiveSe()), n(d.designEffect()),
        String.format(Locale.ROOT, "%.4f", d.pValue()), d.clustersA() + " / " + d.clustersB());
  }

  private static String n(double x) {
    return Double.isFinite(x) ? String.format(Locale.ROOT, "%.4g", x) : "–";
  }
}
