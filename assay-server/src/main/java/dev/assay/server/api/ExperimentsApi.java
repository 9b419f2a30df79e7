package dev.assay.server.api;

import dev.assay.server.auth.Permission;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.ConfigService.Action;
import dev.assay.server.store.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code /experiments}: CRUD plus the lifecycle actions start, pause, stop, conclude, archive. */
final class ExperimentsApi implements Resource {
  private final ConfigService config;

  ExperimentsApi(ConfigService config) {
    this.config = config;
  }

  @Override
  public List<Endpoint> endpoints() {
    List<Endpoint> out = new ArrayList<>(
        Crud.endpoints(config, Kind.EXPERIMENT, "/experiments", Permission.WRITE_CONFIG, true));
    for (Action a : Action.values()) {
      String name = a.name().toLowerCase(Locale.ROOT);
      out.add(Endpoint.action("/experiments/{key}/" + name, Permission.WRITE_CONFIG,
          "Lifecycle: " + name + (a == Action.CONCLUDE ? " (body: {\"decision\": {...}})" : ""),
          c -> Reply.ok(config.transition(c.project(), c.path("key"), a, c.json(), c.actor()))));
    }
    return out;
  }
}
