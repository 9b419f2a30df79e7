package dev.assay.stats;

/**
 * What an always-valid sequential test reports after some number of looks: the running minimum
 * of the per-look p-values and the running intersection of the per-look intervals. Immutable:
 * {@link #next(AlwaysValidLook)} returns a new state, so a caller stores the state between
 * analyses (for example beside each results snapshot) and folds in each new look.
 *
 * <p>The intersection is empty ({@link #isEmpty()}) only on an event of probability at most α
 * under the model; it signals that the model or the data are wrong (for example a changing
 * effect, or a broken pipeline), not a usable interval.
 *
 * @param looks number of looks folded in
 * @param pValue running minimum p-value (1 before any look)
 * @param ciLower running maximum of the lower ends (−∞ before any look)
 * @param ciUpper running minimum of the upper ends (+∞ before any look)
 */
public record AlwaysValidState(int looks, double pValue, double ciLower, double ciUpper) implements StatResult {

  @Override
  public Method method() {
    return Method.MSPRT_RUNNING_INTERSECTION;
  }

  public AlwaysValidState {
    if (looks < 0) {
      throw new StatsException("looks must be non-negative, got " + looks);
    }
    if (!(pValue >= 0 && pValue <= 1)) {
      throw new StatsException("pValue must be in [0, 1], got " + pValue);
    }
    if (Double.isNaN(ciLower) || Double.isNaN(ciUpper)) {
      throw new StatsException("ciLower and ciUpper must not be NaN");
    }
  }

  /** The state before any look: p = 1 and the whole real line. */
  public static AlwaysValidState initial() {
    return new AlwaysValidState(0, 1.0, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY);
  }

  /** Folds in one more look. */
  public AlwaysValidState next(AlwaysValidLook look) {
    return new AlwaysValidState(
        looks + 1,
        Math.min(pValue, look.pValue()),
        Math.max(ciLower, look.ciLower()),
        Math.min(ciUpper, look.ciUpper()));
  }

  /** True if the running intersection is empty (see the class comment). */
  public boolean isEmpty() {
    return ciLower > ciUpper;
  }

  /** True if the running p-value is below {@code alpha}. */
  public boolean rejects(double alpha) {
    return pValue < alpha;
  }
}
