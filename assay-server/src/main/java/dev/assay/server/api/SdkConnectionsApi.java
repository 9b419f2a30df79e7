package dev.assay.server.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.auth.Permission;
import dev.assay.server.auth.ServerKeys;
import dev.assay.server.delivery.CompiledPayload;
import dev.assay.server.delivery.PayloadCache;
import dev.assay.server.delivery.PayloadCompiler;
import dev.assay.server.domain.model.ProjectConfig;
import dev.assay.server.domain.model.SdkConnection;
import dev.assay.server.domain.model.Versioned;
import java.time.Instant;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.store.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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
        "The compiled SDK payload this connection serves (decrypted when the connection encrypts it);"
            + " ?at=<ISO-8601 instant>: the payload it served then, rebuilt from the audit log", c -> {
          if (c.query("at").isPresent()) {
            return Reply.ok(payloadAt(c.project(), c.path("key"), c.instant("at")));
          }
          config.get(Kind.SDK_CONNECTION, c.project(), c.path("key"));
          CompiledPayload p = payloads.get(c.path("key")).orElseThrow(() ->
              DomainException.notFound("no compiled payload for SDK connection '" + c.path("key") + "'"));
          return new Reply(200, "application/json", p.plaintext());
        }).withQuery("project", "at"));
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

  /*
   * The configuration at that instant, replayed from the audit log, compiled by the same
   * PayloadCompiler as the live payload; dateUpdated is the newest change time of what it holds.
   */
  private ObjectNode payloadAt(String project, String clientKey, Instant at) {
    ProjectConfig then = config.history().configurationAt(project, at);
    SdkConnection connection = then.sdkConnections().stream().map(Versioned::value)
        .filter(s -> s.key().equals(clientKey)).findFirst()
        .orElseThrow(() -> config.projectOfSdkConnection(clientKey).equals(Optional.of(project))
            ? DomainException.invalid("at", "is before SDK connection '" + clientKey + "' existed")
            : DomainException.notFound("sdk connection '" + clientKey + "' did not exist in project '" + project
                + "' at " + at));
    return PayloadCompiler.compile(then, connection.environment());
  }
}
