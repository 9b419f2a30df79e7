package dev.assay.server.ui;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.analysis.RefreshProgress;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import dev.assay.server.ui.ExperimentPagesModel.Experiment;
import dev.assay.server.ui.ResultsPageModel.Results;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The results page of an experiment: the latest snapshot's numbers and verdicts
 * ({@link ResultsPageModel}), the plots' data as JSON ({@link ResultsPagePlots}) fetched by
 * {@code results.js}, a refresh button whose progress HTMX polls and which swaps the new results
 * in when the refresh is done, and the Markdown report as a download.
 */
public final class ResultsPage {
  /** Snapshots the time-series plot reads at most. */
  static final int SERIES_SNAPSHOTS = 200;
  private final UiContext ui;

  ResultsPage(UiContext ui) {
    this.ui = ui;
  }

  /** {@code experiments/results.jte} and its body {@code experiments/resultsBody.jte}. */
  public record View(Shell shell, Experiment experiment, Optional<Results> results, boolean canRefresh,
      Optional<RefreshProgress> progress, Optional<FactorialView> factorial) {
    public String link(String suffix) {
      return shell.link("/ui/experiments/" + Http.encode(experiment.key()) + suffix);
    }

    public boolean running() {
      return progress.map(RefreshProgress::running).orElse(false);
    }
  }

  /** {@code experiments/refresh.jte}: the progress of a refresh; when done, the new results too (swapped in). */
  public record RefreshView(View page, Optional<String> error, boolean swapResults) {}

  void register(Pages pages) {
    pages.get("/ui/experiments/{key}/results", Permission.READ, c -> UiResponse.ok(
        ui.views().render("experiments/results.jte", view(c))));
    pages.get("/ui/experiments/{key}/results/plots.json", Permission.READ, this::plots);
    pages.get("/ui/experiments/{key}/report.md", Permission.READ, c -> new UiResponse.Body(200,
        "text/markdown; charset=utf-8", ui.experiments().report(c.project(), c.path("key"))
            .getBytes(StandardCharsets.UTF_8), Optional.of(c.path("key") + "-report.md")));
    pages.post("/ui/experiments/{key}/refresh", Permission.WRITE_METRICS, this::refresh);
    pages.get("/ui/experiments/{key}/refresh", Permission.READ, c -> progress(c, Optional.empty()));
  }

  private View view(UiCall c) {
    Experiment e = ui.experiments().experiment(c.project(), c.path("key"));
    List<JsonNode> latest = ui.experiments().snapshots(c.project(), e.key(), 1);
    Optional<Results> results = latest.isEmpty() ? Optional.empty() : Optional.of(ResultsPageModel.of(
        ui.experiments().document(c.project(), e.key()), latest.get(0), ui.experiments().higherIsBetter(c.project()),
        1));
    Optional<FactorialView> factorial = latest.isEmpty() ? Optional.empty()
        : ui.experiments().factorial(c.project(), e.key(), latest.get(0)).map(FactorialView::of);
    return new View(c.shell("Results · " + e.displayName(), "experiments"), e, results, ui.experiments().canRefresh(),
        ui.experiments().progress(c.project(), e.key()), factorial);
  }

  private UiResponse plots(UiCall c) {
    String key = c.path("key");
    JsonNode doc = ui.experiments().document(c.project(), key);
    byte[] json = ui.experiments().plots(c.project(), key, () -> plotData(c, doc));
    return new UiResponse.Body(200, "application/json", json, Optional.empty());
  }

  private byte[] plotData(UiCall c, JsonNode doc) {
    String key = c.path("key");
    List<JsonNode> snaps = ui.experiments().snapshots(c.project(), key, SERIES_SNAPSHOTS);
    Map<String, String> verdicts = new LinkedHashMap<>();
    if (!snaps.isEmpty()) {
      Results r = ResultsPageModel.of(doc, snaps.get(0), ui.experiments().higherIsBetter(c.project()), snaps.size());
      r.sections().forEach(s -> s.rows().forEach(row -> verdicts.put(row.metric() + "/" + row.variant(),
          row.verdict().css())));
    }
    return ResultsPagePlots.of(snaps, verdicts).toString().getBytes(StandardCharsets.UTF_8);
  }

  private UiResponse refresh(UiCall c) {
    String key = c.path("key");
    List<String> dimensions;
    try {
      dimensions = ExperimentPagesDomain.dimensions(c.form().get("dimensions"));
    } catch (DomainException e) {
      if (!c.htmx()) {
        throw e;
      }
      return progress(c, Optional.of("dimensions: " + e.details().get(0).message()));
    }
    if (!c.htmx()) {
      ui.experiments().refresh(c.project(), key, dimensions);
      return UiResponse.redirect(c.link("/ui/experiments/" + Http.encode(key) + "/results"), "Results refreshed.");
    }
    try {
      ui.experiments().startRefresh(c.project(), key, dimensions);
    } catch (DomainException e) {
      if (!e.code().equals("refresh_running")) {
        return progress(c, Optional.of(e.getMessage()));
      }
    }
    return progress(c, Optional.empty());
  }

  /* HTMX answers are 200 even for a refused refresh: HTMX swaps only successful answers in. */
  private UiResponse progress(UiCall c, Optional<String> error) {
    return UiResponse.ok(ui.views().render("experiments/refresh.jte", new RefreshView(view(c), error, true)));
  }
}
