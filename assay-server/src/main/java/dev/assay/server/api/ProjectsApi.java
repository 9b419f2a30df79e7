package dev.assay.server.api;

import dev.assay.server.auth.Permission;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.store.Kind;
import java.util.List;

/** `/projects`: projects. */
final class ProjectsApi implements Resource {
  private final ConfigService config;

  ProjectsApi(ConfigService config) {
    this.config = config;
  }

  @Override
  public List<Endpoint> endpoints() {
    return Crud.endpoints(config, Kind.PROJECT, "/projects", Permission.ADMIN, true);
  }
}
