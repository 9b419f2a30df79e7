package dev.assay.server.api;

import dev.assay.server.auth.Permission;
import dev.assay.server.delivery.CompiledPayload;
import dev.assay.server.delivery.PayloadCache;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.store.Kind;
import java.util.ArrayList;
import java.util.List;

/** {@code /sdk-connections}: public client keys, one per environment connection; not editable. */
final class SdkConnectionsApi implements Resource {
  private final ConfigService config;
  private final PayloadCache payloads;

  SdkConnectionsApi(ConfigService config, PayloadCache payloads) {
    this.config = config;
    this.payloads = payloads;
  }

  @Override
  public List<Endpoint> endpoints() {
    List<Endpoint> out = new ArrayList<>(
        Crud.endpoints(config, Kind.SDK_CONNECTION, "/sdk-connections", Permission.WRITE_CONFIG, false));
    out.add(Endpoint.get("/sdk-connections/{key}/payload", Permission.READ,
        "The compiled SDK payload this connection serves (decrypted when the connection encrypts it)", c -> {
          config.get(Kind.SDK_CONNECTION, c.project(), c.path("key"));
          CompiledPayload p = payloads.get(c.path("key")).orElseThrow(() ->
              DomainException.notFound("no compiled payload for SDK connection '" + c.path("key") + "'"));
          return new Reply(200, "application/json", p.plaintext());
        }));
    return out;
  }
}
