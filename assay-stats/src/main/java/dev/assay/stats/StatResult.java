package dev.assay.stats;

import java.util.Optional;

/**
 * A statistical result that says which method produced it and, when any of its values is
 * undefined (NaN, null or empty), why. Every result type of the engine implements it, so a caller
 * can always label a number with its method and explain a gap instead of showing a bare NaN.
 */
public interface StatResult {

  /**
   * A short identifier of the method, e.g. {@code welch_t}, {@code cuped_pooled_theta},
   * {@code msprt}; stable, for labels and JSON.
   */
  String method();

  /** Why some of this result's values are undefined; empty when every value is defined. */
  default Optional<String> missing() {
    return Optional.empty();
  }
}
