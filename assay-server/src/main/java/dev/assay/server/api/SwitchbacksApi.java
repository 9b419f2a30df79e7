package dev.assay.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.analysis.DesignSeries;
import dev.assay.server.analysis.ExperimentRefresh;
import dev.assay.server.analysis.SwitchbackStatistics;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.ExperimentType;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.domain.model.SwitchbackSettings;
import dev.assay.stats.ClusteredMeanDifference;
import java.util.List;
import java.util.Optional;

/**
 * {@code GET /experiments/{key}/switchback}: a switchback's analysis at the window × region level
 * (docs/designs.md "Switchbacks", ADR 0038) — its settings, the cells and events counted, the burn-in
 * events dropped, per variant the difference in the primary metric's mean per event against control
 * with its cluster-robust interval and the naive (independent-events) SE, and a plot-ready series of
 * each variant's mean per window ({@code t}: window starts, epoch ms; null where a variant had no cell).
 */
final class SwitchbacksApi implements Resource {
  private final ConfigService config;
  private final Optional<ExperimentRefresh> analysis;

  SwitchbacksApi(ConfigService config, Optional<ExperimentRefresh> analysis) {
    this.config = config;
    this.analysis = analysis;
  }

  @Override
  public List<Endpoint> endpoints() {
    return List.of(Endpoint.get("/experiments/{key}/switchback", Permission.READ,
        "A switchback's window x region analysis: cluster-robust difference per variant, naive SE, burn-in dropped,"
            + " means per window", c -> Reply.ok(view(c.project(), config.experiment(c.project(), c.path("key"))
            .value()))).withQuery("project"));
  }

  private ObjectNode view(String project, Experiment e) {
    if (e.type() != ExperimentType.SWITCHBACK) {
      throw DomainException.conflict("not_a_switchback", "experiment '" + e.key() + "' is of type '"
          + e.type().wire() + "', not 'switchback'", List.of());
    }
    SwitchbackSettings s = e.switchback().orElseThrow();
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("experiment", e.key());
    out.set("settings", ModelJson.toTree(s));
    out.put("unitAttribute", SwitchbackSettings.UNIT_ATTRIBUTE);
    if (e.currentPhase().isEmpty()) {
      return out;
    }
    String primary = e.metrics().primary().orElseThrow(() -> DomainException.conflict("no_primary_metric",
        "switchback '" + e.key() + "' has no primary metric to analyse", List.of()));
    ExperimentRefresh refresh = analysis.orElseThrow(() -> DomainException.conflict("no_warehouse",
        "no analysis warehouse is configured: start the server with --warehouse-url", List.of()));
    double alpha = e.analysis().alpha();
    SwitchbackStatistics.Result r = refresh.switchbacks().analyse(project, e, config.metric(project, primary), alpha);
    out.put("phase", e.currentPhase().get().number());
    out.put("metric", primary);
    out.put("alpha", alpha);
    out.put("cells", r.cells().size());
    out.put("observations", r.cells().stream().mapToLong(c -> c.sums().n()).sum());
    out.put("burnInEvents", r.burnInEvents());
    ArrayNode comparisons = out.putArray("comparisons");
    r.comparisons().forEach((v, d) -> comparison(comparisons.addObject(), e.variants().get(v).key(), d));
    out.set("series", DesignSeries.switchback(e, s, r.cells()));
    return out;
  }

  private static void comparison(ObjectNode o, String variant, ClusteredMeanDifference d) {
    o.put("variant", variant);
    o.put("controlMean", d.meanA()).put("variantMean", d.meanB()).put("difference", d.difference());
    o.put("se", d.se()).put("df", d.df()).put("ciLower", d.ciLower()).put("ciUpper", d.ciUpper());
    o.put("pValue", d.pValue()).put("naiveSe", d.naiveSe()).put("designEffect", d.designEffect());
    o.putArray("cells").add(d.clustersA()).add(d.clustersB());
    o.putArray("events").add(d.observationsA()).add(d.observationsB());
  }
}
