package dev.assay.server.api;

import dev.assay.server.auth.Permission;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.store.Kind;
import java.util.List;

/** `/metrics`: metric definitions. */
final class MetricsApi implements Resource {
  private final ConfigService config;

  MetricsApi(ConfigService config) {
    this.config = config;
  }

  @Override
  public List<Endpoint> endpoints() {
    return Crud.endpoints(config, Kind.METRIC, "/metrics", Permission.WRITE_METRICS, true);
  }
}
