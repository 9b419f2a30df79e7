package dev.assay.server.safety;

import dev.assay.server.domain.model.BanditSettings;
import dev.assay.stats.BanditArm;
import dev.assay.stats.BanditWeights;
import dev.assay.stats.PeriodStratifiedEstimate;
import dev.assay.stats.ThompsonSampling;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * The next weights of a bandit (pure; docs/designs.md): per arm the period-stratified mean of the
 * primary metric, Thompson sampling's P(best) (or top-two Thompson's allocation), the floor
 * {@code minWeight}, then a step from the current weights towards that target no longer than
 * {@code maxChange} for any arm.
 */
final class BanditPolicy {
  /** Monte Carlo draws per update. */
  static final int DRAWS = 10_000;
  /** Top-two Thompson's β: the share of the time the sampled best arm itself is played. */
  static final double TOP_TWO_BETA = 0.5;

  private BanditPolicy() {}

  /** The result of an update: the new weights, P(best), units and stratified means per arm. */
  record Update(List<Double> weights, List<Double> probabilityBest, List<Long> units, List<Double> means) {}

  /**
   * The update, or empty while the bandit is in burn-in (some arm has fewer than {@code burnInUnits}
   * units, or none at all).
   */
  static Optional<Update> next(BanditSettings s, List<Double> current, List<List<BanditArm>> periods,
      boolean higherIsBetter, RandomGenerator random) {
    int k = current.size();
    long[] units = new long[k];
    for (List<BanditArm> p : periods) {
      for (int i = 0; i < k; i++) {
        units[i] += p.get(i).n();
      }
    }
    for (long u : units) {
      if (u < Math.max(1, s.burnInUnits())) {
        return Optional.empty();
      }
    }
    List<PeriodStratifiedEstimate> est = PeriodStratifiedEstimate.of(periods);
    List<BanditArm> arms = est.stream().map(PeriodStratifiedEstimate::asArm).toList();
    ThompsonSampling ts = ThompsonSampling.defaults().withDraws(DRAWS).withFloor(0).withMinUnitsPerArm(0)
        .withHigherIsBetter(higherIsBetter);
    BanditWeights w = ts.weights(arms, random);
    double[] p = w.probabilityBest().stream().mapToDouble(Double::doubleValue).toArray();
    double[] target = s.topTwo() ? topTwo(p, TOP_TWO_BETA) : p;
    target = floor(target, s.minWeight());
    double[] next = step(current.stream().mapToDouble(Double::doubleValue).toArray(), target, s.maxChange());
    List<Long> u = new ArrayList<>();
    for (long x : units) {
      u.add(x);
    }
    return Optional.of(new Update(list(next), w.probabilityBest(), u,
        est.stream().map(PeriodStratifiedEstimate::mean).toList()));
  }

  /**
   * Top-two Thompson sampling's allocation (Russo 2016): play the sampled best arm I with
   * probability β, else the best of a resample that differs from I, so arm i is played with
   * probability p_i (β + (1 − β) Σ_{j≠i} p_j / (1 − p_j)).
   */
  static double[] topTwo(double[] p, double beta) {
    int k = p.length;
    double[] out = new double[k];
    double total = 0;
    for (int i = 0; i < k; i++) {
      double second = 0;
      for (int j = 0; j < k; j++) {
        if (j != i && p[j] < 1) {
          second += p[j] / (1 - p[j]);
        }
      }
      out[i] = p[i] * (beta + (1 - beta) * second);
      total += out[i];
    }
    if (!(total > 0)) {
      return p.clone();
    }
    for (int i = 0; i < k; i++) {
      out[i] /= total;
    }
    return out;
  }

  /** The additive floor f + (1 − K f)·p, which keeps the order and the sum of 1. */
  static double[] floor(double[] p, double f) {
    double[] w = new double[p.length];
    for (int i = 0; i < p.length; i++) {
      w[i] = f + (1 - p.length * f) * p[i];
    }
    return w;
  }

  /**
   * current + λ (target − current), λ = min(1, maxChange / max_i |target_i − current_i|): a convex
   * combination, so the sum stays 1, no arm moves by more than {@code maxChange}, and no weight
   * falls below the smaller of its current and target values.
   */
  static double[] step(double[] current, double[] target, double maxChange) {
    double largest = 0;
    for (int i = 0; i < current.length; i++) {
      largest = Math.max(largest, Math.abs(target[i] - current[i]));
    }
    double lambda = largest <= maxChange ? 1 : maxChange / largest;
    double[] out = new double[current.length];
    for (int i = 0; i < current.length; i++) {
      out[i] = current[i] + lambda * (target[i] - current[i]);
    }
    return out;
  }

  private static List<Double> list(double[] values) {
    List<Double> out = new ArrayList<>();
    for (double v : values) {
      out.add(v);
    }
    return out;
  }
}
