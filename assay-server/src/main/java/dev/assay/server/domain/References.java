package dev.assay.server.domain;

import dev.assay.server.domain.model.Conditions;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.Flag;
import dev.assay.server.domain.model.FlagRule;
import dev.assay.server.domain.model.Holdout;
import dev.assay.server.domain.model.Metric;
import dev.assay.server.domain.model.MetricRefs;
import dev.assay.server.domain.model.MetricType;
import dev.assay.server.domain.model.Segment;
import dev.assay.server.store.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a config record names of other entities of its project, each with the field that names it:
 * the one list of references, read by the write-time check ({@link ReferenceCheck}) and by the
 * as-code planner and linter (which check a whole submission before anything is written).
 */
public final class References {
  /**
   * One reference: {@code field} of the record names entity {@code key} of {@code kind}.
   *
   * @param ordering whether the named entity must exist before the record is written; an
   *     experiment's {@code excludedExperiments} may name experiments created later (two
   *     experiments may exclude each other), so the write-time check skips them
   */
  public record Ref(String field, Kind kind, String key, boolean ordering) {}

  private References() {}

  /** The references of a record, in field order; empty for kinds that name nothing. */
  public static List<Ref> of(Object record) {
    List<Ref> out = new ArrayList<>();
    switch (record) {
      case Experiment e -> experiment(e, out);
      case Flag f -> flag(f, out);
      case Metric m when m.type() == MetricType.RATIO -> {
        out.add(new Ref("numerator", Kind.METRIC, m.numerator().orElseThrow(), true));
        out.add(new Ref("denominator", Kind.METRIC, m.denominator().orElseThrow(), true));
      }
      case Holdout h -> {
        for (int i = 0; i < h.flags().size(); i++) {
          out.add(new Ref("flags[" + i + "]", Kind.FLAG, h.flags().get(i), true));
        }
        for (int i = 0; i < h.experiments().size(); i++) {
          out.add(new Ref("experiments[" + i + "]", Kind.EXPERIMENT, h.experiments().get(i), true));
        }
        h.metrics().primary().ifPresent(p -> out.add(new Ref("metrics.primary", Kind.METRIC, p, true)));
        for (int i = 0; i < h.metrics().secondary().size(); i++) {
          out.add(new Ref("metrics.secondary[" + i + "]", Kind.METRIC, h.metrics().secondary().get(i), true));
        }
      }
      case Segment s -> Conditions.segmentRefs(s.condition())
          .forEach(seg -> out.add(new Ref("condition", Kind.SEGMENT, seg, true)));
      default -> { }
    }
    return out;
  }

  private static void experiment(Experiment e, List<Ref> out) {
    e.layer().ifPresent(l -> out.add(new Ref("layer", Kind.LAYER, l, true)));
    MetricRefs m = e.metrics();
    m.primary().ifPresent(p -> out.add(new Ref("metrics.primary", Kind.METRIC, p, true)));
    for (int i = 0; i < m.secondary().size(); i++) {
      out.add(new Ref("metrics.secondary[" + i + "]", Kind.METRIC, m.secondary().get(i), true));
    }
    for (int i = 0; i < m.guardrails().size(); i++) {
      out.add(new Ref("metrics.guardrails[" + i + "].metric", Kind.METRIC, m.guardrails().get(i).metric(), true));
    }
    Conditions.segmentRefs(e.condition()).forEach(seg -> out.add(new Ref("condition", Kind.SEGMENT, seg, true)));
    for (int i = 0; i < e.excludedExperiments().size(); i++) {
      out.add(new Ref("excludedExperiments[" + i + "]", Kind.EXPERIMENT, e.excludedExperiments().get(i), false));
    }
  }

  private static void flag(Flag f, List<Ref> out) {
    for (int i = 0; i < f.prerequisites().size(); i++) {
      out.add(new Ref("prerequisites[" + i + "].flag", Kind.FLAG, f.prerequisites().get(i).flag(), true));
    }
    for (Map.Entry<String, dev.assay.server.domain.model.FlagEnvironment> env : f.environments().entrySet()) {
      out.add(new Ref("environments." + env.getKey(), Kind.ENVIRONMENT, env.getKey(), true));
      List<FlagRule> rules = env.getValue().rules();
      for (int i = 0; i < rules.size(); i++) {
        String field = "environments." + env.getKey() + ".rules[" + i + "]";
        rules.get(i).experiment().ifPresent(x -> out.add(new Ref(field + ".experiment", Kind.EXPERIMENT, x, true)));
        for (String seg : Conditions.segmentRefs(rules.get(i).condition())) {
          out.add(new Ref(field + ".condition", Kind.SEGMENT, seg, true));
        }
      }
    }
  }
}
