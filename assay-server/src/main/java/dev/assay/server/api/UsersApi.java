package dev.assay.server.api;

import dev.assay.server.auth.Permission;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.store.Kind;
import java.util.List;

/** `/users`: users. */
final class UsersApi implements Resource {
  private final ConfigService config;

  UsersApi(ConfigService config) {
    this.config = config;
  }

  @Override
  public List<Endpoint> endpoints() {
    return Crud.endpoints(config, Kind.USER, "/users", Permission.ADMIN, true);
  }
}
