package dev.assay.server.domain.model;

import dev.assay.server.domain.DomainException;
import org.jspecify.annotations.Nullable;

/**
 * How the server moves a bandit experiment's weights (docs/designs.md, ADR 0034): Thompson
 * sampling on the primary metric, every {@code updateIntervalSeconds}, once every arm has
 * {@code burnInUnits}; each weight stays at least {@code minWeight} and moves by at most
 * {@code maxChange} per update.
 *
 * @param burnInUnits units every arm needs before the first update (default {@value #DEFAULT_BURN_IN})
 * @param minWeight the floor of every arm's weight, in [0, 0.5] (default 0.01); below 1/arms
 * @param maxChange the largest change of one arm's weight in one update, in (0, 1] (default 0.2)
 * @param updateIntervalSeconds seconds between updates, 1 to 2,592,000 (default 3600)
 * @param topTwo top-two Thompson sampling (Russo 2016) for identifying the best arm (default false)
 */
public record BanditSettings(Long burnInUnits, Double minWeight, Double maxChange, Long updateIntervalSeconds,
    Boolean topTwo) {
  /** Units per arm before the first update when none is set. */
  public static final long DEFAULT_BURN_IN = 100;
  /** All defaults. */
  public static final BanditSettings DEFAULTS = new BanditSettings(null, null, null, null, null);

  public BanditSettings(@Nullable Long burnInUnits, @Nullable Double minWeight, @Nullable Double maxChange,
      @Nullable Long updateIntervalSeconds, @Nullable Boolean topTwo) {
    this.burnInUnits = burnInUnits == null ? DEFAULT_BURN_IN : burnInUnits;
    if (this.burnInUnits < 0 || this.burnInUnits > 1_000_000_000L) {
      throw DomainException.invalid("bandit.burnInUnits", "must be a whole number of units from 0 to 10^9, was "
          + burnInUnits);
    }
    this.minWeight = minWeight == null ? 0.01 : minWeight;
    if (!(this.minWeight >= 0 && this.minWeight <= 0.5)) {
      throw DomainException.invalid("bandit.minWeight", "must be in [0, 0.5], e.g. 0.01, was " + minWeight);
    }
    this.maxChange = maxChange == null ? 0.2 : maxChange;
    if (!(this.maxChange > 0 && this.maxChange <= 1)) {
      throw DomainException.invalid("bandit.maxChange", "must be in (0, 1], e.g. 0.2, was " + maxChange);
    }
    this.updateIntervalSeconds = updateIntervalSeconds == null ? 3600 : updateIntervalSeconds;
    if (this.updateIntervalSeconds < 1 || this.updateIntervalSeconds > 2_592_000L) {
      throw DomainException.invalid("bandit.updateIntervalSeconds",
          "must be a whole number of seconds from 1 to 2592000 (30 days), was " + updateIntervalSeconds);
    }
    this.topTwo = topTwo != null && topTwo;
  }
}
