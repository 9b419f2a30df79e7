package dev.assay.server.api;

import dev.assay.server.auth.Permission;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.store.Kind;
import java.util.List;

/** {@code /sdk-connections}: public client keys, one per environment connection; not editable. */
final class SdkConnectionsApi implements Resource {
  private final ConfigService config;

  SdkConnectionsApi(ConfigService config) {
    this.config = config;
  }

  @Override
  public List<Endpoint> endpoints() {
    return Crud.endpoints(config, Kind.SDK_CONNECTION, "/sdk-connections", Permission.WRITE_CONFIG, false);
  }
}
