package dev.assay.server.api;

import dev.assay.server.auth.Permission;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.store.Kind;
import java.util.List;

/** `/environments`: environments of a project. */
final class EnvironmentsApi implements Resource {
  private final ConfigService config;

  EnvironmentsApi(ConfigService config) {
    this.config = config;
  }

  @Override
  public List<Endpoint> endpoints() {
    return Crud.endpoints(config, Kind.ENVIRONMENT, "/environments", Permission.ADMIN, true);
  }
}
