package dev.assay.server.analysis;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.BanditPeriod;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.ExperimentType;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.domain.model.Phase;
import dev.assay.server.domain.model.SwitchbackSettings;
import dev.assay.stats.PValueUniformity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The plot-ready series of the designs whose results are not refresh snapshots: a bandit's weight
 * history, a switchback's means per window and the platform A/A check over its runs. One owner for
 * both edges: the API answers them ({@code GET /experiments/{key}/bandit}, {@code .../switchback},
 * {@code GET /platform/aa}) and the UI draws them. Written, never read back; stateless.
 */
public final class DesignSeries {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private DesignSeries() {}

  /**
   * A bandit's weight history (docs/designs.md, ADR 0034): its settings, every period of the
   * current phase (start, weights, P(best), units and period-stratified means of the primary metric
   * per variant) and a plot-ready series: {@code t} (epoch ms, one per period, the phase's start
   * first) and per variant key its weight at each t. 409 {@code not_a_bandit} for another type.
   */
  public static ObjectNode bandit(Experiment e) {
    if (e.type() != ExperimentType.BANDIT) {
      throw DomainException.conflict("not_a_bandit", "experiment '" + e.key() + "' is of type '" + e.type().wire()
          + "', not 'bandit'", List.of());
    }
    ObjectNode out = NODES.objectNode();
    out.put("experiment", e.key());
    out.set("settings", ModelJson.toTree(e.bandit().orElseThrow()));
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
      o.set("weights", list(p.weights()));
      o.set("probabilityBest", list(p.probabilityBest()));
      o.set("units", list(p.units()));
      o.set("means", list(p.means()));
      t.add(p.startedAt());
      for (int i = 0; i < keys.size(); i++) {
        weights.withArray(keys.get(i)).add(p.weights().get(i));
      }
    }
    return out;
  }

  /**
   * A switchback's means per window (ascending): {@code t} (window starts, epoch ms) and per
   * variant key its mean per event over its cells of that window (null where it had no cell).
   */
  public static ObjectNode switchback(Experiment e, SwitchbackSettings s, List<SwitchbackStatistics.Cell> cells) {
    int k = e.variants().size();
    Map<Long, double[]> byWindow = new TreeMap<>();
    for (SwitchbackStatistics.Cell c : cells) {
      if (c.variation() >= 0 && c.variation() < k) {
        double[] acc = byWindow.computeIfAbsent(c.window(), w -> new double[2 * k]);
        acc[2 * c.variation()] += c.sums().n();
        acc[2 * c.variation() + 1] += c.sums().sum();
      }
    }
    ObjectNode series = NODES.objectNode();
    ArrayNode t = series.putArray("t");
    ObjectNode means = series.putObject("means");
    e.variants().forEach(v -> means.putArray(v.key()));
    byWindow.forEach((w, acc) -> {
      t.add(s.originMillis() + w * s.windowSeconds() * 1000);
      for (int v = 0; v < k; v++) {
        ArrayNode a = means.withArray(e.variants().get(v).key());
        if (acc[2 * v] > 0) {
          a.add(acc[2 * v + 1] / acc[2 * v]);
        } else {
          a.addNull();
        }
      }
    });
    return series;
  }

  /**
   * The platform A/A check over time (docs/designs.md "Platform A/A"): {@code alpha}, and one point
   * per run, oldest first: {@code t} (epoch ms), the run's {@code tests} and {@code falsePositives}
   * (p below {@link PlatformAa#ALPHA}), its {@code falsePositiveRate} (null for a run without tests), and,
   * pooled over the runs up to and including it, the {@code pooledFalsePositiveRate} and the
   * Kolmogorov–Smirnov uniformity {@code ksPValue} (both null until {@link PlatformAa#MIN_P_VALUES}
   * p-values are pooled, as the verdict). The last point's pooled values are the verdict's.
   *
   * @param runs newest first, as the store returns them
   */
  public static ObjectNode platformAa(List<PlatformAa.AaRun> runs) {
    ObjectNode series = NODES.objectNode();
    series.put("alpha", PlatformAa.ALPHA);
    ArrayNode t = series.putArray("t");
    ArrayNode tests = series.putArray("tests");
    ArrayNode positives = series.putArray("falsePositives");
    ArrayNode rate = series.putArray("falsePositiveRate");
    ArrayNode pooledRate = series.putArray("pooledFalsePositiveRate");
    ArrayNode ks = series.putArray("ksPValue");
    List<Double> pooled = new ArrayList<>();
    for (int i = runs.size() - 1; i >= 0; i--) {
      PlatformAa.AaRun run = runs.get(i);
      int k = 0;
      for (PlatformAa.AaTest test : run.tests()) {
        pooled.add(test.pValue());
        k += test.pValue() < PlatformAa.ALPHA ? 1 : 0;
      }
      t.add(Instant.parse(run.at()).toEpochMilli());
      tests.add(run.tests().size());
      positives.add(k);
      if (run.tests().isEmpty()) {
        rate.addNull();
      } else {
        rate.add((double) k / run.tests().size());
      }
      if (pooled.size() < PlatformAa.MIN_P_VALUES) {
        pooledRate.addNull();
        ks.addNull();
      } else {
        PValueUniformity u = PValueUniformity.of(pooled.stream().mapToDouble(Double::doubleValue).toArray(),
            PlatformAa.ALPHA);
        pooledRate.add(u.rejectionRate());
        ks.add(u.ksPValue());
      }
    }
    return series;
  }

  private static ArrayNode list(List<? extends Number> values) {
    ArrayNode a = NODES.arrayNode();
    values.forEach(v -> a.add(v instanceof Long l ? NODES.numberNode(l) : NODES.numberNode(v.doubleValue())));
    return a;
  }
}
