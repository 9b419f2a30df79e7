package dev.assay.server.ui;

import dev.assay.server.analysis.FactorialEffects;
import dev.assay.server.analysis.FactorialResults;
import dev.assay.server.domain.model.FactorialCells;
import dev.assay.stats.LinearContrast;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The results page's factorial section (docs/designs.md "Factorial tests"): per metric, the cell
 * means and the main effects and two-way interactions with their intervals and adjusted p-values,
 * as display text. Built from the same {@link FactorialResults} as {@code GET .../factorial}.
 */
public record FactorialView(String correction, List<Metric> metrics) {
  public FactorialView {
    metrics = List.copyOf(metrics);
  }

  /** One metric: its cells and its effects. */
  public record Metric(String metric, List<Cell> cells, List<Effect> effects) {
    public Metric {
      cells = List.copyOf(cells);
      effects = List.copyOf(effects);
    }
  }

  /** A cell's key, units and mean. */
  public record Cell(String key, long units, String mean) {}

  /** An effect as shown: what it compares, the estimate and interval, p and adjusted p, the verdict. */
  public record Effect(String kind, String label, String estimate, String interval, String pValue,
      String pValueAdjusted, boolean significant) {}

  static FactorialView of(FactorialResults r) {
    List<Metric> metrics = new ArrayList<>();
    for (FactorialResults.MetricEffects m : r.metrics()) {
      List<Cell> cells = new ArrayList<>();
      for (int k = 0; k < m.cells().size(); k++) {
        cells.add(new Cell(FactorialCells.key(r.factors(), k), m.cells().get(k).n(), number(m.cells().get(k).mean())));
      }
      List<Effect> effects = new ArrayList<>();
      for (FactorialEffects.Effect e : m.effects()) {
        LinearContrast c = e.contrast();
        boolean main = e.kind() == FactorialEffects.Kind.MAIN;
        String label = main ? e.factors().get(0) + ": " + e.levels().get(0) + " vs baseline"
            : e.factors().get(0) + " × " + e.factors().get(1) + ": " + e.levels().get(0) + " × " + e.levels().get(1);
        effects.add(new Effect(main ? "main effect" : "interaction", label, number(c.estimate()),
            Double.isFinite(c.ciLower()) ? "[" + number(c.ciLower()) + ", " + number(c.ciUpper()) + "]"
                : c.missing().orElse("—"), number(c.pValue()), number(e.pValueAdjusted()), e.significant()));
      }
      metrics.add(new Metric(m.metric(), cells, effects));
    }
    return new FactorialView(r.correction().wire(), metrics);
  }

  private static String number(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4g", v) : "—";
  }
}
