package dev.assay.server.domain;

import java.util.Optional;

/**
 * The rule for a traffic split over variants: the weights sum to 1, within {@link #TOLERANCE}.
 * Its one owner; the experiment validation and the CLI's {@code analyze} both ask it.
 */
public final class VariantWeights {

  /* Weights are doubles from JSON; allow rounding error of decimal fractions such as 1/3. */
  public static final double TOLERANCE = 1e-6;

  private VariantWeights() {}

  /** Empty when the weights sum to 1; otherwise the problem, e.g. "weights sum to 1.16, must sum to 1". */
  public static Optional<String> sumProblem(double... weights) {
    double sum = 0;
    for (double w : weights) {
      sum += w;
    }
    if (Math.abs(sum - 1.0) <= TOLERANCE) {
      return Optional.empty();
    }
    return Optional.of("weights sum to " + (Math.round(sum * 1e6) / 1e6) + ", must sum to 1");
  }
}
