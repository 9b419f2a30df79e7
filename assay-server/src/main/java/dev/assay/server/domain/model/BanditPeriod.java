package dev.assay.server.domain.model;

import java.util.List;

/**
 * One period of a bandit experiment's phase: the weights the server set at {@code startedAt}
 * (epoch ms) and what they were computed from. A period does not re-seed assignment (a phase does).
 *
 * @param number from 1 within the phase
 * @param weights the variants' weights from this period on, in variant order
 * @param probabilityBest the posterior probability that each variant is best, in variant order
 * @param units the units per variant the update saw, in variant order
 * @param means the period-stratified mean of the primary metric per variant, in variant order
 */
public record BanditPeriod(int number, long startedAt, List<Double> weights, List<Double> probabilityBest,
    List<Long> units, List<Double> means) {
  public BanditPeriod {
    weights = List.copyOf(weights);
    probabilityBest = List.copyOf(probabilityBest);
    units = List.copyOf(units);
    means = List.copyOf(means);
  }
}
