package dev.assay.stats;

import java.util.ArrayList;
import java.util.List;

/**
 * Efficacy boundaries of a group sequential test for a planned maximum sample size: at look k,
 * with information fraction t_k = n_k/n_max, reject when the z-statistic on cumulative data
 * crosses {@code zBounds().get(k)} ({@code |z| ≥ c_k} for a two-sided design, {@code z ≥ c_k} for a
 * one-sided one). The boundaries are chosen so that the probability, under no effect, of first
 * crossing at look k is α(t_k) − α(t_{k−1}) for the chosen {@link SpendingFunction}.
 *
 * <p>Looks may be unplanned and unequally spaced; only n_max must be fixed in advance. Immutable.
 *
 * @param informationFractions t_1 &lt; … &lt; t_K, each in (0, 1]
 * @param alpha total α (for a two-sided design, both tails together)
 * @param sides 1 or 2
 * @param spending the spending function
 * @param zBounds c_k per look (+∞ where nothing is spent)
 * @param cumulativeAlphaSpent α(t_k) per look
 * @param nominalPThresholds the p-value threshold equivalent to c_k at each look (sides·Φ̄(c_k))
 */
public record GroupSequentialBoundaries(
    List<Double> informationFractions,
    double alpha,
    int sides,
    SpendingFunction spending,
    List<Double> zBounds,
    List<Double> cumulativeAlphaSpent,
    List<Double> nominalPThresholds) implements StatResult {

  @Override
  public Method method() {
    return Method.GROUP_SEQUENTIAL;
  }

  public GroupSequentialBoundaries {
    informationFractions = List.copyOf(informationFractions);
    zBounds = List.copyOf(zBounds);
    cumulativeAlphaSpent = List.copyOf(cumulativeAlphaSpent);
    nominalPThresholds = List.copyOf(nominalPThresholds);
    int k = informationFractions.size();
    if (zBounds.size() != k || cumulativeAlphaSpent.size() != k || nominalPThresholds.size() != k) {
      throw new StatsException("one boundary per information fraction is required");
    }
  }

  /**
   * Computes the boundaries.
   *
   * @param informationFractions strictly increasing, each in (0, 1]; a fraction above 1 (more
   *     data than planned) must be capped to 1 by the caller, see {@link #informationFraction}
   * @param alpha total α in (0, 1)
   * @param spending the spending function
   * @param sides 1 (upper boundary only) or 2 (symmetric)
   * @throws StatsException naming the offending argument
   */
  public static GroupSequentialBoundaries compute(
      double[] informationFractions, double alpha, SpendingFunction spending, int sides) {
    if (!(alpha > 0 && alpha < 1)) {
      throw new StatsException("alpha must be in (0, 1), got " + alpha);
    }
    if (sides != 1 && sides != 2) {
      throw new StatsException("sides must be 1 or 2, got " + sides);
    }
    if (informationFractions.length == 0) {
      throw new StatsException("information_fractions must not be empty");
    }
    double prev = 0;
    for (int i = 0; i < informationFractions.length; i++) {
      double t = informationFractions[i];
      if (!(t > prev && t <= 1.0)) {
        throw new StatsException(
            "information_fractions must be strictly increasing in (0, 1], got "
                + t
                + " at index "
                + i);
      }
      prev = t;
    }
    double[] spent = new double[informationFractions.length];
    for (int i = 0; i < spent.length; i++) {
      spent[i] = spending.spent(alpha, informationFractions[i]);
    }
    double[] bounds = ArmitageRecursion.boundaries(informationFractions, spent, sides);
    List<Double> t = new ArrayList<>();
    List<Double> z = new ArrayList<>();
    List<Double> a = new ArrayList<>();
    List<Double> p = new ArrayList<>();
    for (int i = 0; i < bounds.length; i++) {
      t.add(informationFractions[i]);
      z.add(bounds[i]);
      a.add(spent[i]);
      p.add(Double.isInfinite(bounds[i]) ? 0.0 : sides * NormalTails.sf(bounds[i]));
    }
    return new GroupSequentialBoundaries(t, alpha, sides, spending, z, a, p);
  }

  /**
   * The information fraction of a look at {@code n} units of a design planned for {@code nMax},
   * capped at 1 so that a run past its plan spends the remaining α at once.
   */
  public static double informationFraction(double n, double nMax) {
    if (!(nMax > 0)) {
      throw new StatsException("planned maximum n must be positive, got " + nMax);
    }
    if (!(n > 0)) {
      throw new StatsException("n must be positive, got " + n);
    }
    return Math.min(1.0, n / nMax);
  }

  /** True if z-statistic {@code z} at look {@code look} (0-based) crosses the boundary. */
  public boolean crosses(int look, double z) {
    double c = zBounds.get(look);
    return sides == 2 ? Math.abs(z) >= c : z >= c;
  }
}
