package dev.assay.server.domain.model;

import java.util.List;

/**
 * A phase of an experiment: starting one re-seeds assignment, so units are re-randomised.
 *
 * @param number from 1
 * @param startedAt epoch milliseconds
 * @param weights the variants' weights during this phase, in variant order
 */
public record Phase(int number, String seed, long startedAt, double coverage, List<Double> weights) {
  public Phase {
    weights = List.copyOf(weights);
  }
}
