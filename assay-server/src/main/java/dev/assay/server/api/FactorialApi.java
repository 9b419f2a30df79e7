package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.analysis.FactorialEffects;
import dev.assay.server.analysis.FactorialPower;
import dev.assay.server.analysis.FactorialResults;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.Factor;
import dev.assay.server.domain.model.FactorialCells;
import dev.assay.stats.LinearContrast;
import dev.assay.stats.StatsException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Factorial designs (docs/designs.md "Factorial tests", ADR 0040): {@code GET
 * /experiments/{key}/factorial}, the main effects and two-way interactions of every mean or
 * proportion metric of the latest results snapshot, computed from its per-cell sufficient
 * statistics; and {@code GET /power/factorial}, the units per cell a design needs.
 */
final class FactorialApi implements Resource {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private final ConfigService config;

  FactorialApi(ConfigService config) {
    this.config = config;
  }

  @Override
  public List<Endpoint> endpoints() {
    return List.of(
        Endpoint.get("/experiments/{key}/factorial", Permission.READ,
            "A factorial experiment's main effects and two-way interactions per metric (latest snapshot)",
            c -> Reply.ok(effects(c))).withQuery("project"),
        Endpoint.get("/power/factorial", Permission.READ,
            "Units per cell for a factorial design's main effects and interactions (?levels=2,2&sd=&effect=)",
            c -> Reply.ok(power(c))).withQuery("levels", "sd", "effect", "alpha", "power"));
  }

  private ObjectNode effects(Call c) {
    Experiment e = config.experiment(c.project(), c.path("key")).value();
    if (e.factors().isEmpty()) {
      throw DomainException.conflict("not_factorial", "experiment '" + e.key() + "' has no factors (a factorial"
          + " design is type 'multivariate' with 'factors')", List.of());
    }
    List<JsonNode> snaps = config.snapshots(c.project(), e.key(), 1);
    if (snaps.isEmpty()) {
      throw DomainException.notFound("no results yet for experiment '" + e.key() + "': POST /api/v1/experiments/"
          + e.key() + "/refresh");
    }
    return view(e.key(), FactorialResults.of(e.factors(), snaps.get(0)));
  }

  static ObjectNode view(String experiment, FactorialResults r) {
    List<Factor> factors = r.factors();
    ObjectNode out = F.objectNode();
    out.put("experiment", experiment);
    out.put("phase", r.phase());
    out.put("computedAt", r.computedAt().toString());
    out.put("alpha", r.alpha());
    out.put("correction", r.correction().wire());
    out.set("factors", dev.assay.server.domain.Json.MAPPER.valueToTree(factors));
    ArrayNode metrics = out.putArray("metrics");
    for (FactorialResults.MetricEffects m : r.metrics()) {
      ObjectNode mo = metrics.addObject();
      mo.put("metric", m.metric());
      ArrayNode co = mo.putArray("cells");
      for (int k = 0; k < m.cells().size(); k++) {
        ObjectNode cell = co.addObject().put("key", FactorialCells.key(factors, k));
        cell.set("levels", FactorialCells.value(factors, k));
        cell.put("units", m.cells().get(k).n());
        number(cell, "mean", m.cells().get(k).mean());
      }
      ArrayNode eo = mo.putArray("effects");
      m.effects().forEach(x -> eo.add(effect(x)));
    }
    return out;
  }

  private static ObjectNode effect(FactorialEffects.Effect x) {
    LinearContrast r = x.contrast();
    ObjectNode o = F.objectNode().put("kind", x.kind().name().toLowerCase(Locale.ROOT));
    ArrayNode fs = o.putArray("factors");
    x.factors().forEach(fs::add);
    ArrayNode ls = o.putArray("levels");
    x.levels().forEach(ls::add);
    o.put("method", r.method().id());
    number(o, "estimate", r.estimate());
    number(o, "se", r.se());
    number(o, "df", r.df());
    number(o, "ciLower", r.ciLower());
    number(o, "ciUpper", r.ciUpper());
    number(o, "pValue", r.pValue());
    number(o, "pValueAdjusted", x.pValueAdjusted());
    o.put("significant", x.significant());
    r.missing().ifPresent(m -> o.put("note", m));
    return o;
  }

  private static ObjectNode power(Call c) {
    String levelsText = c.query("levels").orElseThrow(() -> DomainException.invalid("levels",
        "is required: the number of levels of each factor, e.g. levels=2,2"));
    List<Integer> levels = new ArrayList<>();
    for (String part : levelsText.split(",", -1)) {
      int l;
      try {
        l = Integer.parseInt(part.strip());
      } catch (NumberFormatException ex) {
        throw DomainException.invalid("levels", "must be whole numbers separated by commas, e.g. 2,2; was '"
            + levelsText + "'");
      }
      if (l < 2 || l > Factor.MAX_LEVELS) {
        throw DomainException.invalid("levels", "each factor has 2 to " + Factor.MAX_LEVELS + " levels, was " + l);
      }
      levels.add(l);
    }
    if (levels.size() < FactorialCells.MIN_FACTORS || levels.size() > FactorialCells.MAX_FACTORS) {
      throw DomainException.invalid("levels", "a design has " + FactorialCells.MIN_FACTORS + " to "
          + FactorialCells.MAX_FACTORS + " factors, has " + levels.size());
    }
    double sd = number(c, "sd", Double.NaN);
    if (!(sd > 0 && Double.isFinite(sd))) {
      throw DomainException.invalid("sd", "is required: the metric's standard deviation per unit (for a rate p,"
          + " √(p(1−p))), a positive number");
    }
    double effect = number(c, "effect", Double.NaN);
    if (!(effect != 0 && Double.isFinite(effect))) {
      throw DomainException.invalid("effect", "is required: the absolute effect to detect, a non-zero number");
    }
    double alpha = number(c, "alpha", dev.assay.server.domain.model.Analysis.DEFAULT_ALPHA);
    if (!(alpha > 0 && alpha <= 0.5)) {
      throw DomainException.invalid("alpha", "must be in (0, 0.5], e.g. 0.05, was " + alpha);
    }
    double power = number(c, "power", 0.8);
    if (!(power > 0 && power < 1)) {
      throw DomainException.invalid("power", "must be in (0, 1), e.g. 0.8, was " + power);
    }
    List<FactorialPower.Size> sizes;
    try {
      sizes = FactorialPower.of(levels, sd, effect, alpha, power);
    } catch (StatsException ex) {
      throw DomainException.invalid("effect", ex.getMessage());
    }
    int cells = levels.stream().reduce(1, (a, b) -> a * b);
    ObjectNode out = F.objectNode();
    ArrayNode lv = out.putArray("levels");
    levels.forEach(lv::add);
    out.put("cells", cells).put("sd", sd).put("effect", effect).put("alpha", alpha).put("power", power);
    out.put("effects", FactorialPower.effects(levels));
    out.put("method", "normal approximation, n per cell = n₂/M (main) or 2n₂/M' (interaction), docs/designs.md");
    ArrayNode items = out.putArray("sizes");
    long most = 0;
    for (FactorialPower.Size s : sizes) {
      ObjectNode o = items.addObject().put("kind", s.kind().name().toLowerCase(Locale.ROOT));
      ArrayNode fs = o.putArray("factors");
      s.factors().forEach(fs::add);
      o.put("perCell", s.perCell()).put("total", s.perCell() * cells);
      o.put("perCellBonferroni", s.perCellBonferroni()).put("totalBonferroni", s.perCellBonferroni() * cells);
      most = Math.max(most, s.perCell());
    }
    out.put("perCellForAll", most).put("totalForAll", most * cells);
    return out;
  }

  private static double number(Call c, String name, double missing) {
    return c.query(name).map(v -> {
      try {
        return Double.parseDouble(v.strip());
      } catch (NumberFormatException ex) {
        throw DomainException.invalid(name, "must be a number, was '" + v + "'");
      }
    }).orElse(missing);
  }

  private static void number(ObjectNode o, String field, double v) {
    if (Double.isFinite(v)) {
      o.put(field, v);
    } else {
      o.putNull(field);
    }
  }
}
