package dev.assay.server.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.analysis.DesignSeries;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.model.Experiment;
import java.util.List;

/**
 * {@code GET /experiments/{key}/bandit}: a bandit's weight history (docs/designs.md, ADR 0034), as
 * {@link DesignSeries#bandit} builds it (the web UI's bandit page draws the same).
 */
final class BanditsApi implements Resource {
  private final ConfigService config;

  BanditsApi(ConfigService config) {
    this.config = config;
  }

  @Override
  public List<Endpoint> endpoints() {
    return List.of(Endpoint.get("/experiments/{key}/bandit", Permission.READ,
        "A bandit's weight history: settings, periods and a plot-ready weight series",
        c -> Reply.ok(view(config.experiment(c.project(), c.path("key")).value()))).withQuery("project"));
  }

  static ObjectNode view(Experiment e) {
    return DesignSeries.bandit(e);
  }
}
