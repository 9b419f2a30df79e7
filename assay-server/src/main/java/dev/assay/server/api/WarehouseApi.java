package dev.assay.server.api;

import dev.assay.server.analysis.ExperimentRefresh;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import java.util.List;
import java.util.Optional;

/**
 * {@code GET /warehouse}: the analysis warehouse's two sources (exposures and metric events,
 * Assay's tables or the customer's own through a warehouse mapping) checked against the columns
 * the analysis reads, with their columns, the problems found (each naming the mapping's field) and
 * a few sample rows. Admins only: sample rows are raw warehouse data.
 */
final class WarehouseApi implements Resource {
  private final Optional<ExperimentRefresh> analysis;

  WarehouseApi(Optional<ExperimentRefresh> analysis) {
    this.analysis = analysis;
  }

  @Override
  public List<Endpoint> endpoints() {
    return List.of(Endpoint.get("/warehouse", Permission.ADMIN,
        "Check the analysis warehouse's exposure and metric sources: their columns, what the mapping names that"
            + " they lack, and sample rows", c -> Reply.ok(analysis.orElseThrow(() -> DomainException.conflict(
                "no_warehouse", "no analysis warehouse is configured: start the server with --warehouse-url",
                List.of())).checkSources())));
  }
}
