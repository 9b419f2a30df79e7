package dev.assay.server.api;

import dev.assay.server.auth.Permission;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.store.Kind;
import java.util.List;

/** `/flags`: flags (per-environment rules). */
final class FlagsApi implements Resource {
  private final ConfigService config;

  FlagsApi(ConfigService config) {
    this.config = config;
  }

  @Override
  public List<Endpoint> endpoints() {
    List<Endpoint> out = new java.util.ArrayList<>(
        Crud.endpoints(config, Kind.FLAG, "/flags", Permission.WRITE_CONFIG, true));
    out.addAll(KillSwitch.endpoints(config, Kind.FLAG, "/flags"));
    out.addAll(HistoryApi.endpoints(config, Kind.FLAG, "/flags"));
    return out;
  }
}
