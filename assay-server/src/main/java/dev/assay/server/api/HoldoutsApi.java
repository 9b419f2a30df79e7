package dev.assay.server.api;

import dev.assay.server.auth.Permission;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.store.Kind;
import java.util.List;

/** {@code /holdouts}: shares of units kept out of a set of flags and experiments. */
final class HoldoutsApi implements Resource {
  private final ConfigService config;

  HoldoutsApi(ConfigService config) {
    this.config = config;
  }

  @Override
  public List<Endpoint> endpoints() {
    return Crud.endpoints(config, Kind.HOLDOUT, "/holdouts", Permission.WRITE_CONFIG, true);
  }
}
