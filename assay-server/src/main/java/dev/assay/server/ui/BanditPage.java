package dev.assay.server.ui;

import dev.assay.server.analysis.DesignSeries;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.model.BanditPeriod;
import dev.assay.server.domain.model.BanditSettings;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.Phase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The bandit page of an experiment: the weight history of {@code GET /api/v1/experiments/{key}/bandit}
 * ({@link DesignSeries#bandit}, docs/designs.md "Multi-armed bandits") drawn by uPlot
 * ({@code designs.js}: one stepped line per arm over the periods), the current weights with each
 * arm's P(best), units and period-stratified mean from the newest update, and the periods.
 */
public final class BanditPage {
  private final UiContext ui;

  BanditPage(UiContext ui) {
    this.ui = ui;
  }

  /** {@code experiments/bandit.jte}; {@code series} is the API's JSON, drawn by the page's script. */
  public record View(Shell shell, String key, String settings, int phase, List<Arm> arms, List<Period> periods,
      String series) {}

  /** One arm now: its weight, and from the newest update its P(best), units and mean ("–" before one). */
  public record Arm(String variant, double weight, String weightText, String probabilityBest, String units,
      String mean) {}

  /** One update: its number, start and the weights it set. */
  public record Period(int number, String startedAt, List<String> weights) {}

  void register(Pages pages) {
    pages.get("/ui/experiments/{key}/bandit", Permission.READ, c -> {
      Experiment e = ui.designs().bandit(c.project(), c.path("key"));
      return UiResponse.ok(ui.views().render("experiments/bandit.jte", view(c.shell("Bandit · " + e.key(),
          "experiments"), e)));
    });
  }

  static View view(Shell shell, Experiment e) {
    BanditSettings s = e.bandit().orElseThrow();
    String settings = String.format(Locale.ROOT, "Thompson sampling%s on the primary metric every %d s, burn-in %d"
        + " units per arm, minimum weight %s, at most %s change per update", s.topTwo() ? " (top-two)" : "",
        s.updateIntervalSeconds(), s.burnInUnits(), n(s.minWeight()), n(s.maxChange()));
    Optional<Phase> phase = e.currentPhase();
    List<Double> weights = phase.map(Phase::weights).orElse(e.variants().stream().map(v -> v.weight()).toList());
    Optional<BanditPeriod> last = phase.flatMap(p -> p.periods().isEmpty() ? Optional.empty()
        : Optional.of(p.periods().get(p.periods().size() - 1)));
    if (last.isPresent()) {
      weights = last.get().weights();
    }
    List<Arm> arms = new ArrayList<>();
    for (int i = 0; i < e.variants().size(); i++) {
      int v = i;
      arms.add(new Arm(e.variants().get(i).key(), weights.get(i), n(weights.get(i)),
          last.map(p -> n(p.probabilityBest().get(v))).orElse("–"),
          last.map(p -> String.valueOf(p.units().get(v))).orElse("–"), last.map(p -> n(p.means().get(v))).orElse("–")));
    }
    List<Period> periods = new ArrayList<>();
    phase.ifPresent(p -> p.periods().reversed().forEach(b -> periods.add(new Period(b.number(),
        Instant.ofEpochMilli(b.startedAt()).toString(), b.weights().stream().map(BanditPage::n).toList()))));
    return new View(shell, e.key(), settings, phase.map(Phase::number).orElse(0), arms, periods,
        DesignSeries.bandit(e).get("series").toString());
  }

  private static String n(double x) {
    return Double.isFinite(x) ? String.format(Locale.ROOT, "%.4f", x) : "–";
  }
}
