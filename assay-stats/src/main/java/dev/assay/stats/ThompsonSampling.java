package dev.assay.stats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Gaussian Thompson-sampling traffic weights for a multi-armed bandit: each arm's weight is the
 * posterior probability that it is the best arm, estimated by Monte Carlo draws, then lifted by an
 * additive minimum-weight floor. Randomness is injected, so a stored seed reproduces an update.
 *
 * <p>Immutable and thread-safe (the {@link RandomGenerator} passed to {@link #weights} is not
 * shared by this class; use one per call or per thread).
 *
 * @param draws Monte Carlo draws (GrowthBook 10,000)
 * @param floor minimum weight f per arm, in [0, 1) (GrowthBook 0.01)
 * @param minUnitsPerArm burn-in: weights are updated only once every arm has this many units
 *     (GrowthBook 100)
 * @param priorMean mean of the normal prior on each arm's mean
 * @param priorVariance variance of that prior, positive (GrowthBook 10⁴)
 * @param higherIsBetter false for metrics where lower is better (the best arm is the minimum)
 */
public record ThompsonSampling(
    int draws,
    double floor,
    long minUnitsPerArm,
    double priorMean,
    double priorVariance,
    boolean higherIsBetter) {

  /*
   * Thompson, Biometrika 25 (1933); for Gaussian rewards with a conjugate normal prior the
   * posterior of arm k's mean is normal with precision n_k/s²_k + 1/σ₀² and mean
   * (n_k ȳ_k/s²_k + μ₀/σ₀²)/precision (shared statistics.md §9.1, GrowthBook bayesian/bandits.py).
   * P(arm k is best) is the share of joint posterior draws in which k is the maximum.
   *
   * The floor is additive, w_k = f + (1 − K f)·P(best_k), as in GrowthBook: unlike clipping and
   * renormalising, it keeps the ordering of the posterior probabilities and the sum at exactly 1;
   * when K f ≥ 1 the weights are uniform. The floor also bounds the propensities away from 0, which
   * keeps inverse-propensity estimates after adaptive allocation stable (§9.4).
   */

  public ThompsonSampling {
    if (draws < 1) {
      throw new StatsException("draws must be at least 1, got " + draws);
    }
    if (!(floor >= 0 && floor < 1)) {
      throw new StatsException("floor must be in [0, 1), got " + floor);
    }
    if (minUnitsPerArm < 0) {
      throw new StatsException("minUnitsPerArm must be non-negative, got " + minUnitsPerArm);
    }
    if (!Double.isFinite(priorMean)) {
      throw new StatsException("priorMean must be finite, got " + priorMean);
    }
    if (!(priorVariance > 0) || !Double.isFinite(priorVariance)) {
      throw new StatsException("priorVariance must be positive and finite, got " + priorVariance);
    }
  }

  /** GrowthBook's production settings: 10,000 draws, 1% floor, 100 units per arm, prior N(0, 10⁴). */
  public static ThompsonSampling defaults() {
    return new ThompsonSampling(10_000, 0.01, 100, 0.0, 1e4, true);
  }

  public ThompsonSampling withDraws(int value) {
    return new ThompsonSampling(value, floor, minUnitsPerArm, priorMean, priorVariance, higherIsBetter);
  }

  public ThompsonSampling withFloor(double value) {
    return new ThompsonSampling(draws, value, minUnitsPerArm, priorMean, priorVariance, higherIsBetter);
  }

  public ThompsonSampling withMinUnitsPerArm(long value) {
    return new ThompsonSampling(draws, floor, value, priorMean, priorVariance, higherIsBetter);
  }

  public ThompsonSampling withPrior(double mean, double variance) {
    return new ThompsonSampling(draws, floor, minUnitsPerArm, mean, variance, higherIsBetter);
  }

  public ThompsonSampling withHigherIsBetter(boolean value) {
    return new ThompsonSampling(draws, floor, minUnitsPerArm, priorMean, priorVariance, value);
  }

  /**
   * Computes new traffic weights. If any arm has fewer than {@link #minUnitsPerArm()} units the
   * bandit is still in burn-in: the result has equal weights and {@link BanditWeights#updated()}
   * false, with the reason.
   *
   * @param arms at least two arms, in variant order (typically period-stratified estimates, see
   *     {@link PeriodStratifiedEstimate})
   * @param random source of the draws; seed it to make the update reproducible
   * @throws StatsException if fewer than two arms are given
   */
  public BanditWeights weights(List<BanditArm> arms, RandomGenerator random) {
    int k = arms.size();
    if (k < 2) {
      throw new StatsException("arms: a bandit needs at least two arms, got " + k);
    }
    for (int i = 0; i < k; i++) {
      if (arms.get(i).n() < minUnitsPerArm) {
        List<Double> equal = new ArrayList<>(k);
        for (int j = 0; j < k; j++) {
          equal.add(1.0 / k);
        }
        return new BanditWeights(
            equal,
            equal,
            false,
            "burn-in: arm "
                + i
                + " has "
                + arms.get(i).n()
                + " units, fewer than "
                + minUnitsPerArm);
      }
    }
    double[] mean = new double[k];
    double[] sd = new double[k];
    double sign = higherIsBetter ? 1.0 : -1.0;
    for (int i = 0; i < k; i++) {
      BanditArm a = arms.get(i);
      if (a.n() > 0 && a.variance() == 0) {
        mean[i] = sign * a.mean();
        sd[i] = 0;
      } else {
        double precision = a.n() / a.variance() + 1.0 / priorVariance;
        double m = (a.n() == 0 ? 0 : a.n() / a.variance() * a.mean()) + priorMean / priorVariance;
        mean[i] = sign * m / precision;
        sd[i] = Math.sqrt(1.0 / precision);
      }
    }
    long[] wins = countWins(mean, sd, draws, random);
    double[] pBest = new double[k];
    for (int i = 0; i < k; i++) {
      pBest[i] = (double) wins[i] / draws;
    }
    return new BanditWeights(toList(applyFloor(pBest, floor)), toList(pBest), true, "");
  }

  /** Counts, over {@code draws} joint draws, how often each arm has the largest draw. */
  static long[] countWins(double[] mean, double[] sd, int draws, RandomGenerator random) {
    int k = mean.length;
    long[] wins = new long[k];
    for (int d = 0; d < draws; d++) {
      int best = 0;
      double bestValue = mean[0] + sd[0] * random.nextGaussian();
      for (int i = 1; i < k; i++) {
        double v = mean[i] + sd[i] * random.nextGaussian();
        if (v > bestValue) {
          bestValue = v;
          best = i;
        }
      }
      wins[best]++;
    }
    return wins;
  }

  /** The additive floor f + (1 − K f)·p (uniform if K f ≥ 1). */
  static double[] applyFloor(double[] p, double floor) {
    int k = p.length;
    double[] w = new double[k];
    if (k * floor >= 1.0) {
      Arrays.fill(w, 1.0 / k);
      return w;
    }
    for (int i = 0; i < k; i++) {
      w[i] = floor + (1.0 - k * floor) * p[i];
    }
    return w;
  }

  private static List<Double> toList(double[] values) {
    List<Double> out = new ArrayList<>(values.length);
    for (double v : values) {
      out.add(v);
    }
    return out;
  }
}
