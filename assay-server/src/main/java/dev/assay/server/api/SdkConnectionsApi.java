package dev.assay.server.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.auth.Permission;
import dev.assay.server.auth.ServerKeys;
import dev.assay.server.delivery.CompiledPayload;
import dev.assay.server.delivery.PayloadCache;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.store.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code /sdk-connections}: public client keys, one per environment connection; not editable. Each
 * connection may also have a secret server key ({@code /sdk-connections/{key}/server-key}: issue or
 * rotate, revoke) for server-side SDKs.
 */
final class SdkConnectionsApi implements Resource {
  private final ConfigService config;
  private final PayloadCache payloads;
  private final ServerKeys serverKeys;

  SdkConnectionsApi(ConfigService config, PayloadCache payloads, ServerKeys serverKeys) {
    this.config = config;
    this.payloads = payloads;
    this.serverKeys = serverKeys;
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
        }).withQuery("project"));
    out.add(Endpoint.action("/sdk-connections/{key}/server-key", Permission.WRITE_CONFIG,
        "Issue (or rotate) the connection's secret server key; the token is in this response only and"
            + " the previous key stops working", c -> {
          c.noFields("issuing a server key");
          ServerKeys.Issued issued = serverKeys.rotate(c.project(), c.path("key"), c.actor());
          ObjectNode o = JsonNodeFactory.instance.objectNode();
          o.put("clientKey", issued.clientKey());
          o.put("createdAt", issued.createdAt().toString());
          o.put("token", issued.token());
          return Reply.created(o);
        }).withQuery("project"));
    out.add(Endpoint.delete("/sdk-connections/{key}/server-key", Permission.WRITE_CONFIG,
        "Revoke the connection's server key", c -> {
          serverKeys.revoke(c.project(), c.path("key"), c.actor());
          return Reply.noContent();
        }).withQuery("project"));
    return out;
  }
}
