package dev.assay.server.api;

import dev.assay.server.auth.Permission;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.store.Kind;
import java.util.List;

/** `/segments`: segments (saved groups). */
final class SegmentsApi implements Resource {
  private final ConfigService config;

  SegmentsApi(ConfigService config) {
    this.config = config;
  }

  @Override
  public List<Endpoint> endpoints() {
    return Crud.endpoints(config, Kind.SEGMENT, "/segments", Permission.WRITE_CONFIG, true);
  }
}
