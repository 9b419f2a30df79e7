package dev.assay.stats;

import dev.assay.testsupport.ApiCheck;
import org.junit.jupiter.api.Test;

/**
 * The public API of assay-stats is the one in {@code api/assay-stats.api}: a change to it is a decision, accepted
 * by rewriting the file (ADR 0021; the failure message gives the command). The reference-vector harness
 * ({@code dev.assay.stats.vectors}) is documented as not API and left out.
 */
class PublicApiTest {

  @Test
  void publicApi_matchesTheCheckedInApiFile() {
    ApiCheck.verify("assay-stats", ExperimentAnalysis.class, "dev.assay.stats.vectors");
  }
}
