package dev.assay.server.analysis;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One refresh of a holdout's analysis (ADR 0037): the units exposed to each arm of its tracking
 * experiment since the holdout was created, and per metric the comparison general − held-out, the
 * cumulative impact of the features the holdout covers. An undefined number is NaN (written as
 * null by {@link SnapshotJson}); {@code missing} says why.
 *
 * @param from the start of the analysed window: the holdout's creation
 * @param alpha the two-sided level of the confidence intervals
 * @param multipleExposures units seen in both arms (excluded), e.g. after the fraction changed
 */
public record HoldoutResults(String holdout, Instant computedAt, Instant from, double fraction, double alpha,
    long heldOutUnits, long generalUnits, long multipleExposures, List<Row> metrics) {
  public HoldoutResults {
    metrics = List.copyOf(metrics);
  }

  /**
   * One metric: the arms' per-unit means and the effect of the covered features.
   *
   * @param role {@code primary} or {@code secondary}
   * @param effect mean(general) − mean(held-out), Welch's t interval [ciLower, ciUpper]
   * @param pValue two-sided, Welch's t
   * @param relative effect / mean(held-out), delta-method interval [relativeLower, relativeUpper]
   */
  public record Row(String metric, String role, boolean higherIsBetter, long heldOutN, double heldOutMean,
      long generalN, double generalMean, double effect, double ciLower, double ciUpper, double pValue,
      double relative, double relativeLower, double relativeUpper, Optional<String> missing) {}
}
