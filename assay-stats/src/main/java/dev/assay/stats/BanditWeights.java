package dev.assay.stats;

import java.util.List;
import java.util.Optional;

/**
 * The outcome of a {@link ThompsonSampling} update.
 *
 * @param weights traffic weight per arm after the floor; sums to 1
 * @param probabilityBest Monte Carlo estimate of P(arm is best) per arm (equal during burn-in)
 * @param updated false while the bandit is in burn-in (then {@code weights} are equal)
 * @param reason why the weights were not updated; empty when {@code updated}
 */
public record BanditWeights(
    List<Double> weights, List<Double> probabilityBest, boolean updated, String reason) implements StatResult {

  @Override
  public Method method() {
    return Method.GAUSSIAN_THOMPSON_SAMPLING;
  }

  /** Why the weights were not updated (for example the burn-in), when they were not. */
  @Override
  public Optional<String> missing() {
    return updated ? Optional.empty() : Optional.of(reason);
  }

  public BanditWeights {
    weights = List.copyOf(weights);
    probabilityBest = List.copyOf(probabilityBest);
    if (weights.size() != probabilityBest.size()) {
      throw new StatsException("weights and probabilityBest must have the same length");
    }
    if (updated != reason.isEmpty()) {
      throw new StatsException("a reason is required exactly when the weights were not updated");
    }
  }

  /** Why the weights were not updated, if they were not. */
  public Optional<String> notUpdatedReason() {
    return updated ? Optional.empty() : Optional.of(reason);
  }
}
