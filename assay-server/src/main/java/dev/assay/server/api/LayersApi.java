package dev.assay.server.api;

import dev.assay.server.auth.Permission;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.store.Kind;
import java.util.List;

/** `/layers`: layers (namespaces). */
final class LayersApi implements Resource {
  private final ConfigService config;

  LayersApi(ConfigService config) {
    this.config = config;
  }

  @Override
  public List<Endpoint> endpoints() {
    return Crud.endpoints(config, Kind.LAYER, "/layers", Permission.WRITE_CONFIG, true);
  }
}
