package dev.assay.server.domain.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A phase of an experiment: starting one re-seeds assignment, so units are re-randomised.
 *
 * @param number from 1
 * @param startedAt epoch milliseconds
 * @param weights the variants' weights when this phase started, in variant order
 * @param periods a bandit's weight updates within this phase, oldest first (ADR 0034)
 */
public record Phase(int number, String seed, long startedAt, double coverage, List<Double> weights,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<BanditPeriod> periods) {
  @JsonCreator
  public Phase(int number, String seed, long startedAt, double coverage, List<Double> weights,
      @Nullable List<BanditPeriod> periods) {
    this.number = number;
    this.seed = seed;
    this.startedAt = startedAt;
    this.coverage = coverage;
    this.weights = List.copyOf(weights);
    this.periods = periods == null ? List.of() : List.copyOf(periods);
  }

  public Phase(int number, String seed, long startedAt, double coverage, List<Double> weights) {
    this(number, seed, startedAt, coverage, weights, List.of());
  }

  /** The weights in force now: the latest bandit period's, or the phase's own. */
  public List<Double> currentWeights() {
    return periods.isEmpty() ? weights : periods.get(periods.size() - 1).weights();
  }

  /** This phase with one more bandit period. */
  public Phase withPeriod(BanditPeriod period) {
    List<BanditPeriod> next = new ArrayList<>(periods);
    next.add(period);
    return new Phase(number, seed, startedAt, coverage, weights, next);
  }
}
