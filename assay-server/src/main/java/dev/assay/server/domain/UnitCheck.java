package dev.assay.server.domain;

import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.Metric;
import dev.assay.server.domain.model.MetricType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The analysis-unit rule of an experiment (ADR 0039): a metric measured on one unit (its {@code unit},
 * e.g. users, {@code id}) in an experiment randomized by another ({@code hashAttribute}, e.g.
 * {@code company}) is analysed correctly only as a cluster randomization, which the experiment
 * declares with {@code analysis.unit}. A per-user analysis of a per-company randomization treats
 * correlated users as independent and its intervals are too narrow (Deng, Lu and Litz 2017), so
 * the mismatch is an error, not a warning. Pure; used by the writes (400) and by {@code assay lint}.
 */
public final class UnitCheck {
  /** The field every finding names. */
  public static final String FIELD = "analysis.unit";

  private UnitCheck() {}

  /**
   * The problems of an experiment's units, empty when none.
   *
   * @param metrics the metrics by key (empty for one that is not known: reference checks report it)
   */
  public static List<String> problems(Experiment e, Function<String, Optional<Metric>> metrics) {
    List<String> out = new ArrayList<>();
    Optional<String> declared = e.analysis().unit();
    String expected = declared.orElse(e.hashAttribute());
    boolean cluster = e.analysis().clusterUnit(e.hashAttribute()).isPresent();
    if (cluster && e.type() == dev.assay.server.domain.model.ExperimentType.BANDIT) {
      out.add("a bandit's weight updates analyse per randomization unit: a bandit cannot declare analysis.unit '"
          + declared.orElseThrow() + "' different from hashAttribute '" + e.hashAttribute() + "'");
    }
    for (String key : e.metrics().all()) {
      Optional<Metric> m = metrics.apply(key);
      if (m.isEmpty()) {
        continue;
      }
      List<Metric> parts = new ArrayList<>(List.of(m.get()));
      m.get().numerator().flatMap(metrics).ifPresent(parts::add);
      m.get().denominator().flatMap(metrics).ifPresent(parts::add);
      for (Metric part : parts) {
        part.unit().filter(u -> !u.equals(expected)).ifPresent(u -> out.add("metric '" + part.key()
            + "' is measured per '" + u + "' but experiment '" + e.key() + "' "
            + (declared.isPresent() ? "declares analysis.unit '" + expected + "'"
                : "randomizes by '" + e.hashAttribute() + "': declare analysis.unit: " + u
                    + " for a cluster analysis (the ratio of cluster sums at the randomization unit)")));
      }
      if (cluster && m.get().type() == MetricType.QUANTILE) {
        out.add("quantile metric '" + key + "' has no cluster analysis: remove it or analysis.unit");
      }
    }
    return out;
  }

  /** Throws a 400 naming {@value #FIELD} at the first problem. */
  static void check(Experiment e, Function<String, Optional<Metric>> metrics) {
    List<String> p = problems(e, metrics);
    if (!p.isEmpty()) {
      throw DomainException.invalid(FIELD, p.get(0));
    }
  }
}
