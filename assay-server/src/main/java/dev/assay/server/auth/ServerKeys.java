package dev.assay.server.auth;

import dev.assay.server.audit.AuditLog;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.domain.model.SdkConnection;
import dev.assay.server.domain.model.ServerKey;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoredEntity;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Server keys (ARCHITECTURE §5): the secret counterpart of an SDK connection's public client key,
 * for server-side SDKs and services. A connection has at most one; issuing a new one replaces
 * (rotates) it, and it can be revoked. Like API keys, the token is returned once and only its
 * SHA-256 is kept, in the connection's document ({@code serverKey.hash}, never shown by the API).
 * A server key authenticates the connection's server-side traffic (OFREP evaluation, events) and is
 * never a management credential. Thread-safe.
 */
public final class ServerKeys {
  /** Every server key starts with this, so it is never mistaken for a client or API key. */
  public static final String PREFIX = "assay_srv_";
  private final ConfigStore store;
  private final AuditLog audit;
  private final Clock clock;
  private final SecureRandom random;

  ServerKeys(ConfigStore store, AuditLog audit, Clock clock, SecureRandom random) {
    this.store = store;
    this.audit = audit;
    this.clock = clock;
    this.random = random;
  }

  /** A newly issued server key: the connection's id and the token, which is never shown again. */
  public record Issued(String clientKey, Instant createdAt, String token) {}

  /**
   * Issues a server key for the connection, replacing any previous one (which stops working at once).
   *
   * @throws DomainException not found when the project has no such connection
   */
  public Issued rotate(String project, String clientKey, String actor) {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    Instant now = Instant.ofEpochMilli(clock.millis());
    store.write(tx -> {
      StoredEntity current = require(tx, project, clientKey);
      SdkConnection conn = ModelJson.fromStored(SdkConnection.class, current.body());
      String action = conn.serverKey().isPresent() ? "rotate_server_key" : "create_server_key";
      SdkConnection next = conn.withServerKey(Optional.of(new ServerKey(Optional.of(ApiKeys.hash(token)),
          now.toString(), actor)));
      StoredEntity updated = tx.update(Kind.SDK_CONNECTION, project, clientKey, current.version(),
          ModelJson.toTree(next).toString());
      audit.append(tx, actor, action, Kind.SDK_CONNECTION.name(), project, clientKey,
          Optional.of(redacted(current.body())), Optional.of(redacted(updated.body())));
      return null;
    });
    return new Issued(clientKey, now, token);
  }

  /**
   * Revokes the connection's server key.
   *
   * @throws DomainException not found when there is no such connection, conflict when it has no key
   */
  public void revoke(String project, String clientKey, String actor) {
    store.write(tx -> {
      StoredEntity current = require(tx, project, clientKey);
      SdkConnection conn = ModelJson.fromStored(SdkConnection.class, current.body());
      if (conn.serverKey().isEmpty()) {
        throw DomainException.conflict("no_server_key", "SDK connection '" + clientKey + "' has no server key", List.of());
      }
      StoredEntity updated = tx.update(Kind.SDK_CONNECTION, project, clientKey, current.version(),
          ModelJson.toTree(conn.withServerKey(Optional.empty())).toString());
      audit.append(tx, actor, "revoke_server_key", Kind.SDK_CONNECTION.name(), project, clientKey,
          Optional.of(redacted(current.body())), Optional.of(redacted(updated.body())));
      return null;
    });
  }

  /** The client key of the connection whose current server key this token is. */
  public Optional<String> clientKeyOf(String token) {
    if (!token.startsWith(PREFIX) || token.length() > 200) {
      return Optional.empty();
    }
    String hash = ApiKeys.hash(token);
    return store.read(tx -> tx.listAll(Kind.SDK_CONNECTION)).stream()
        .filter(e -> ModelJson.fromStored(SdkConnection.class, e.body()).serverKey()
            .flatMap(ServerKey::hash).filter(hash::equals).isPresent())
        .map(StoredEntity::key).findFirst();
  }

  private static StoredEntity require(dev.assay.server.store.StoreTransaction tx, String project, String clientKey) {
    return tx.get(Kind.SDK_CONNECTION, project, clientKey).orElseThrow(() ->
        DomainException.notFound("SDK connection '" + clientKey + "' not found in project '" + project + "'"));
  }

  /* The audit log records that a key exists and when it was made, never its hash. */
  private static String redacted(String body) {
    SdkConnection conn = ModelJson.fromStored(SdkConnection.class, body);
    return ModelJson.toTree(conn.withServerKey(conn.serverKey().map(ServerKey::withoutHash))).toString();
  }
}
