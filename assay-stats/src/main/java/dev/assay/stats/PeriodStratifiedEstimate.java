package dev.assay.stats;

import java.util.ArrayList;
import java.util.List;

/**
 * An arm's mean over a bandit run in which traffic weights changed between periods, estimated by
 * weighting each period by its share of all units rather than by the arm's own units.
 *
 * @param mean the stratified mean ȳ^w = Σ_p w_p ȳ_{k,p}
 * @param variance variance of that mean, Σ_p w_p² s²_{k,p}/n_{k,p}
 * @param units total units of the arm over the periods used
 */
public record PeriodStratifiedEstimate(double mean, double variance, long units) implements StatResult {

  @Override
  public Method method() {
    return Method.PERIOD_STRATIFIED;
  }

  /*
   * Under adaptive allocation the arm's pooled mean mixes periods in proportions set by the bandit
   * itself, so a time trend (e.g. weekday vs weekend) correlated with the allocation biases the
   * naive comparison (Simpson's paradox). Stratifying by period with weights w_p = N_p/N, the share
   * of all units that arrived in period p, estimates each arm's mean over the same population mix;
   * it is unbiased when allocation is constant within a period and units are exchangeable within a
   * period (GrowthBook bandit-statistics-cte.ts; shared statistics.md §9.2, §9.4 option 1).
   * A period in which the arm has no units carries no information about it; such periods are left
   * out for that arm and the remaining weights are renormalised.
   */

  public PeriodStratifiedEstimate {
    if (!Double.isFinite(mean)) {
      throw new StatsException("mean must be finite, got " + mean);
    }
    if (!(variance >= 0)) {
      throw new StatsException("variance must be non-negative, got " + variance);
    }
    if (units < 1) {
      throw new StatsException("units must be positive, got " + units);
    }
  }

  /**
   * Stratified estimates for every arm.
   *
   * @param periods per period, the statistics of every arm in that period (same arm order and
   *     count in every period)
   * @return one estimate per arm
   * @throws StatsException if periods are empty or ragged, or an arm has no units in any period
   */
  public static List<PeriodStratifiedEstimate> of(List<List<BanditArm>> periods) {
    if (periods.isEmpty()) {
      throw new StatsException("periods must not be empty");
    }
    int k = periods.get(0).size();
    long[] periodTotals = new long[periods.size()];
    for (int p = 0; p < periods.size(); p++) {
      List<BanditArm> arms = periods.get(p);
      if (arms.size() != k) {
        throw new StatsException(
            "periods[" + p + "] has " + arms.size() + " arms, periods[0] has " + k);
      }
      for (BanditArm a : arms) {
        periodTotals[p] = Math.addExact(periodTotals[p], a.n());
      }
    }
    List<PeriodStratifiedEstimate> out = new ArrayList<>(k);
    for (int arm = 0; arm < k; arm++) {
      long covered = 0;
      long units = 0;
      for (int p = 0; p < periods.size(); p++) {
        if (periods.get(p).get(arm).n() > 0) {
          covered += periodTotals[p];
          units += periods.get(p).get(arm).n();
        }
      }
      if (units == 0) {
        throw new StatsException("arm " + arm + " has no units in any period");
      }
      double mean = 0;
      double variance = 0;
      for (int p = 0; p < periods.size(); p++) {
        BanditArm a = periods.get(p).get(arm);
        if (a.n() > 0) {
          double w = (double) periodTotals[p] / covered;
          mean += w * a.mean();
          variance += w * w * a.variance() / a.n();
        }
      }
      out.add(new PeriodStratifiedEstimate(mean, variance, units));
    }
    return List.copyOf(out);
  }

  /**
   * The estimate as arm statistics whose mean is the stratified mean and whose unit variance
   * (units·variance) reproduces the stratified variance of the mean, to feed {@link
   * ThompsonSampling} or a fixed-horizon test.
   */
  public BanditArm asArm() {
    return new BanditArm(units, mean, variance * units);
  }

  /**
   * GrowthBook's pseudo sum Σy = N·ȳ^w, so that a plain mean statistic built from ({@code units},
   * {@link #pseudoSum()}, {@link #pseudoSumOfSquares()}) has this mean and variance.
   */
  public double pseudoSum() {
    return units * mean;
  }

  /** GrowthBook's pseudo Σy² = N((N − 1)·Var + (ȳ^w)²). */
  public double pseudoSumOfSquares() {
    return units * ((units - 1) * variance + mean * mean);
  }
}
