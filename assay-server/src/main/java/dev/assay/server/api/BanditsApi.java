package dev.assay.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.BanditPeriod;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.ExperimentType;
import dev.assay.server.domain.model.Phase;
import java.util.List;

/**
 * {@code GET /experiments/{key}/bandit}: a bandit's weight history (docs/designs.md, ADR 0034) —
 * its settings, every period of the current phase (start, weights, P(best), units and
 * period-stratified means of the primary metric per variant) and a plot-ready series: {@code t}
 * (epoch ms, one per period, the phase's start first) and per variant key its weight at each t.
 */
final class BanditsApi implements Resource {
  private final ConfigService config;

  BanditsApi(ConfigService config) {
    this.config = config;
  }

  @Override
  public List<Endpoint> endpoints() {
    return List.of(Endpoint.get("/experiments/{key}/bandit", Permission.READ,
        "A bandit's weight history: settings, periods and a plot-ready weight series",
        c -> Reply.ok(view(config.experiment(c.project(), c.path("key")).value()))).withQuery("project"));
  }

  static ObjectNode view(Experiment e) {
    if (e.type() != ExperimentType.BANDIT) {
      throw DomainException.conflict("not_a_bandit", "experiment '" + e.key() + "' is of type '" + e.type().wire()
          + "', not 'bandit'", List.of());
    }
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode out = f.objectNode();
    out.put("experiment", e.key());
    out.set("settings", dev.assay.server.domain.model.ModelJson.toTree(e.bandit().orElseThrow()));
    ArrayNode periods = out.putArray("periods");
    ObjectNode series = out.putObject("series");
    ArrayNode t = series.putArray("t");
    ObjectNode weights = series.putObject("weights");
    List<String> keys = e.variants().stream().map(v -> v.key()).toList();
    keys.forEach(weights::putArray);
    if (e.currentPhase().isEmpty()) {
      return out;
    }
    Phase phase = e.currentPhase().get();
    out.put("phase", phase.number());
    t.add(phase.startedAt());
    for (int i = 0; i < keys.size(); i++) {
      weights.withArray(keys.get(i)).add(phase.weights().get(i));
    }
    for (BanditPeriod p : phase.periods()) {
      ObjectNode o = periods.addObject();
      o.put("number", p.number()).put("startedAt", p.startedAt());
      o.set("weights", list(f, p.weights()));
      o.set("probabilityBest", list(f, p.probabilityBest()));
      o.set("units", list(f, p.units()));
      o.set("means", list(f, p.means()));
      t.add(p.startedAt());
      for (int i = 0; i < keys.size(); i++) {
        weights.withArray(keys.get(i)).add(p.weights().get(i));
      }
    }
    return out;
  }

  private static ArrayNode list(JsonNodeFactory f, List<? extends Number> values) {
    ArrayNode a = f.arrayNode();
    values.forEach(v -> a.add(v instanceof Long l ? f.numberNode(l) : f.numberNode(v.doubleValue())));
    return a;
  }
}
