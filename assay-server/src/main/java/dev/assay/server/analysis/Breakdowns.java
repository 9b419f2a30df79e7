package dev.assay.server.analysis;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.analysis.AnalysisSnapshot.Breakdown;
import dev.assay.server.analysis.AnalysisSnapshot.Interaction;
import dev.assay.server.analysis.WarehouseQuery.Measurements;
import dev.assay.stats.AnalysisSettings;
import dev.assay.stats.CupedStats;
import dev.assay.stats.ExperimentAnalysis;
import dev.assay.stats.Heterogeneity;
import dev.assay.stats.MetricData;
import dev.assay.stats.MetricResult;
import dev.assay.stats.MultipleTesting;
import dev.assay.stats.StatsException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Results broken down by exposure attributes (e.g. country): per level, the results of the mean
 * and proportion metrics, corrected for multiple comparisons across all levels
 * (Benjamini–Hochberg), and per metric and variant an interaction test (Cochran's Q) of whether
 * the effect differs between levels. Pure.
 */
final class Breakdowns {
  /* The standard normal quantile at 0.975: fixed-horizon 95% intervals back to standard errors. */
  private static final double Z_975 = 1.959963984540054;
  private static final ObjectMapper JSON = new ObjectMapper();

  private Breakdowns() {}

  /**
   * The breakdowns of the plan's dimensions. A level with fewer than {@code minCellUnits} units in
   * some variation is suppressed (small-cell suppression, docs/privacy.md): its rows carry the
   * metric, the variant and {@code "suppressed": "suppressed (< k)"} instead of numbers, and it
   * takes no part in the multiple-testing family or the interaction test.
   */
  static Map<String, Breakdown> of(AnalysisPlan plan, Measurements m, AnalysisSettings settings, int minCellUnits) {
    Map<String, Breakdown> out = new LinkedHashMap<>();
    for (String dim : plan.dimensions()) {
      out.put(dim, breakdown(dim, plan, m, settings, minCellUnits));
    }
    return out;
  }

  /** The text a suppressed cell shows instead of numbers. */
  static String suppressed(int k) {
    return "suppressed (< " + k + ")";
  }

  private static Breakdown breakdown(String dim, AnalysisPlan plan, Measurements m, AnalysisSettings settings,
      int minCellUnits) {
    Map<String, List<ObjectNode>> levels = new LinkedHashMap<>();
    List<Map.Entry<MetricResult, ObjectNode>> all = new ArrayList<>();
    Map<String, List<double[]>> effects = new LinkedHashMap<>(); // metric|variant -> [effect, se] per level
    SortedSet<String> levelNames = new TreeSet<>();
    for (MetricData d : m.data()) {
      Map<String, List<CupedStats>> lv = m.byDimension().get(dim + "\u0000" + d.key());
      if (lv != null) {
        levelNames.addAll(lv.keySet());
      }
    }
    AnalysisSettings perLevel = new AnalysisSettings(settings.engine(), settings.alpha(), settings.sequential(),
        settings.cuped(), MultipleTesting.Method.NONE, 0, settings.priorMean(), settings.priorVariance());
    for (String level : levelNames) {
      List<MetricData> levelData = new ArrayList<>();
      long[] units = new long[plan.variants().size()];
      for (MetricData d : m.data()) {
        Map<String, List<CupedStats>> lv = m.byDimension().get(dim + "\u0000" + d.key());
        if (lv == null || !lv.containsKey(level)) {
          continue;
        }
        List<CupedStats> s = lv.get(level);
        for (int v = 0; v < s.size(); v++) {
          units[v] = Math.max(units[v], s.get(v).n());
        }
        levelData.add(new MetricData(d.key(), d.type(), d.higherIsBetter(), d.role(), s, null));
      }
      if (levelData.isEmpty()) {
        continue;
      }
      if (java.util.Arrays.stream(units).anyMatch(n -> n < minCellUnits)) {
        levels.put(level, suppressedRows(plan, levelData, minCellUnits));
        continue;
      }
      ExperimentAnalysis a = ExperimentAnalysis.analyze(plan.variants(), units, plan.weights(), levelData, perLevel);
      List<ObjectNode> rows = new ArrayList<>();
      for (MetricResult r : a.results()) {
        ObjectNode o = SnapshotJson.row(JSON.valueToTree(r));
        rows.add(o);
        all.add(Map.entry(r, o));
        double se = (r.fixedHorizonCiUpper() - r.fixedHorizonCiLower()) / (2 * Z_975);
        effects.computeIfAbsent(r.metric() + "|" + r.variant(), k -> new ArrayList<>()).add(new double[] {r.effect(), se});
      }
      levels.put(level, rows);
    }
    adjust(all, settings.alpha());
    List<Interaction> interactions = new ArrayList<>();
    for (Map.Entry<String, List<double[]>> e : effects.entrySet()) {
      String[] mv = e.getKey().split("\\|", 2);
      double[] eff = e.getValue().stream().mapToDouble(x -> x[0]).toArray();
      double[] se = e.getValue().stream().mapToDouble(x -> x[1]).toArray();
      try {
        Heterogeneity h = Heterogeneity.cochranQ(eff, se);
        interactions.add(new Interaction(mv[0], mv[1], "cochran_q", OptionalDouble.of(h.q()), OptionalDouble.of(h.df()),
            SnapshotJson.finite(h.pValue()), OptionalDouble.of(h.iSquared()), Optional.empty()));
      } catch (StatsException ex) {
        OptionalDouble none = OptionalDouble.empty();
        interactions.add(new Interaction(mv[0], mv[1], "cochran_q", none, none, none, none,
            Optional.ofNullable(ex.getMessage())));
      }
    }
    return new Breakdown(levels, interactions);
  }

  private static List<ObjectNode> suppressedRows(AnalysisPlan plan, List<MetricData> metrics, int k) {
    List<ObjectNode> rows = new ArrayList<>();
    for (MetricData d : metrics) {
      for (String variant : plan.variants().subList(1, plan.variants().size())) {
        ObjectNode o = JSON.createObjectNode().put("metric", d.key()).put("variant", variant)
            .put("suppressed", suppressed(k));
        o.putArray("notes").add(suppressed(k) + ": fewer than " + k + " units in a variation of this level");
        rows.add(o);
      }
    }
    return rows;
  }

  /* Benjamini–Hochberg across every level × metric × variant of this dimension. */
  private static void adjust(List<Map.Entry<MetricResult, ObjectNode>> rows, double alpha) {
    List<Map.Entry<MetricResult, ObjectNode>> family = rows.stream()
        .filter(e -> Double.isFinite(e.getKey().pValue())).toList();
    double[] p = family.stream().mapToDouble(e -> e.getKey().pValue()).toArray();
    double[] adj = MultipleTesting.benjaminiHochberg(p);
    for (int i = 0; i < family.size(); i++) {
      family.get(i).getValue().put("pValueAdjusted", adj[i]);
      family.get(i).getValue().put("significant", adj[i] < alpha);
    }
  }
}
