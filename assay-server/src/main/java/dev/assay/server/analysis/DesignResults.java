package dev.assay.server.analysis;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * What a snapshot reports about its design beyond the per-metric results (ADR 0039): the clusters
 * of a cluster randomization, and the triggered share and diluted effects of a triggered analysis.
 *
 * @param cluster set when the experiment randomized clusters of its analysis units
 * @param trigger set when the analysis counted only the units that sent the trigger event
 */
public record DesignResults(Optional<Cluster> cluster, Optional<Trigger> trigger,
    Optional<Stratification> stratification) {
  /** Neither clustered nor triggered nor stratified. */
  public static final DesignResults NONE = new DesignResults(Optional.empty(), Optional.empty(), Optional.empty());

  /** The post-stratified estimates over the levels of {@code attribute} (dev.assay.stats.PostStratification). */
  public record Stratification(String attribute, List<Stratified> results) {
    public Stratification {
      results = List.copyOf(results);
    }
  }

  /** One metric's post-stratified effect of a treatment variant, beside the unadjusted SE. */
  public record Stratified(String metric, String variant, OptionalDouble effect, OptionalDouble se,
      OptionalDouble ciLower, OptionalDouble ciUpper, OptionalDouble pValue, OptionalDouble unadjustedSe,
      OptionalDouble varianceReduction, int strata, double droppedShare) {}

  /**
   * A cluster randomization: results are per {@code unit} (e.g. user), randomized and analysed
   * by {@code randomizedBy} (e.g. company); the health's unit counts are clusters.
   */
  public record Cluster(String unit, String randomizedBy, List<ClusterCount> variants) {
    public Cluster {
      variants = List.copyOf(variants);
    }
  }

  /** A variation's clusters and the analysis units in them. */
  public record ClusterCount(String variant, long clusters, long units) {}

  /**
   * A triggered analysis.
   *
   * @param exposedUnits every exposed unit of the phase
   * @param triggeredUnits those that sent the trigger event at or after their first exposure
   * @param share triggeredUnits / exposedUnits (NaN when none was exposed)
   * @param diluted per metric and treatment variant, the triggered effect diluted to all exposed units
   */
  public record Trigger(String event, long exposedUnits, long triggeredUnits, double share, List<Diluted> diluted) {
    public Trigger {
      diluted = List.copyOf(diluted);
    }
  }

  /**
   * The effect on the whole exposed population of an effect measured on triggered units only:
   * Δ_all = r · Δ_triggered with r the triggered share, since untriggered units are unaffected by
   * construction (Deng and Hu, "Diluted treatment effect estimation for trigger analysis in online
   * controlled experiments", WSDM 2015, §3; Kohavi, Tang and Xu, <i>Trustworthy Online Controlled
   * Experiments</i>, 2020, ch. 20). The interval scales the same way (r is treated as known: its
   * sampling error is of a lower order than the effect's). Absolute effects only: a relative
   * diluted lift would need the control mean of the untriggered units too. Undefined numbers are empty.
   */
  public record Diluted(String metric, String variant, OptionalDouble effect, OptionalDouble ciLower,
      OptionalDouble ciUpper) {}
}
