package dev.assay.server.api;

import dev.assay.server.analysis.ExperimentRefresh;
import dev.assay.server.analysis.HoldoutAnalysis;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.store.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code /holdouts}: shares of units kept out of a set of flags and experiments, and their
 * analysis (held-out versus general on the holdout's metrics, ADR 0037).
 */
final class HoldoutsApi implements Resource {
  private final ConfigService config;
  private final Optional<ExperimentRefresh> analysis;

  HoldoutsApi(ConfigService config, Optional<ExperimentRefresh> analysis) {
    this.config = config;
    this.analysis = analysis;
  }

  @Override
  public List<Endpoint> endpoints() {
    List<Endpoint> out = new ArrayList<>(Crud.endpoints(config, Kind.HOLDOUT, "/holdouts", Permission.WRITE_CONFIG,
        true));
    out.add(Endpoint.action("/holdouts/{key}/refresh", Permission.WRITE_METRICS,
        "Recompute the holdout's results (held-out versus general on its metrics) now and store them", c -> {
          c.noFields("a holdout refresh (it has no options)");
          return Reply.ok(holdouts().refresh(c.project(), c.path("key")));
        }).withQuery("project"));
    out.add(Endpoint.get("/holdouts/{key}/results", Permission.READ,
        "Latest results of a holdout (effect = general − held-out per metric, with CI) and a plot-ready series",
        c -> Reply.ok(holdouts().results(c.project(), c.path("key")))).withQuery("project"));
    return out;
  }

  private HoldoutAnalysis holdouts() {
    return analysis.orElseThrow(() -> DomainException.conflict("no_warehouse",
        "no analysis warehouse is configured: start the server with --warehouse-url", List.of())).holdouts();
  }
}
