package dev.assay.server.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.domain.model.Correction;
import dev.assay.server.domain.model.Factor;
import dev.assay.server.domain.model.FactorialCells;
import dev.assay.stats.SampleStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A factorial experiment's effects from one stored results snapshot (docs/designs.md "Factorial
 * tests"): per mean or proportion metric, the cells and {@link FactorialEffects}, at the
 * snapshot's α and correction. What {@code GET /experiments/{key}/factorial} and the results page
 * show.
 *
 * @param phase the snapshot's phase
 * @param computedAt when the snapshot was computed
 */
public record FactorialResults(List<Factor> factors, int phase, java.time.Instant computedAt, double alpha,
    Correction correction, List<MetricEffects> metrics) {
  public FactorialResults {
    factors = List.copyOf(factors);
    metrics = List.copyOf(metrics);
  }

  /** One metric's cells (in cell order) and effects. */
  public record MetricEffects(String metric, List<SampleStats> cells, List<FactorialEffects.Effect> effects) {
    public MetricEffects {
      cells = List.copyOf(cells);
      effects = List.copyOf(effects);
    }
  }

  /** The effects of a stored snapshot of an experiment with these factors. */
  public static FactorialResults of(List<Factor> factors, JsonNode snapshot) {
    AnalysisSnapshot stored = SnapshotJson.read(snapshot);
    AnalysisSnapshot.Settings settings = stored.settings();
    int count = FactorialCells.count(factors);
    List<MetricEffects> metrics = new ArrayList<>();
    for (Map.Entry<String, List<SampleStats>> m : SnapshotJson.meanStatistics(stored.sufficientStatistics()).entrySet()) {
      if (m.getValue().size() == count) {
        metrics.add(new MetricEffects(m.getKey(), m.getValue(),
            FactorialEffects.of(factors, m.getValue(), settings.alpha(), settings.correction())));
      }
    }
    return new FactorialResults(factors, stored.phase(), stored.computedAt(), settings.alpha(), settings.correction(),
        metrics);
  }
}
