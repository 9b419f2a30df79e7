package dev.assay.server.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.Json;
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
      ObjectNode doc = parse(current.body());
      String action = doc.has("serverKey") ? "rotate_server_key" : "create_server_key";
      ObjectNode key = doc.putObject("serverKey");
      key.put("hash", ApiKeys.hash(token));
      key.put("createdAt", now.toString());
      key.put("createdBy", actor);
      StoredEntity updated = tx.update(Kind.SDK_CONNECTION, project, clientKey, current.version(), doc.toString());
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
      ObjectNode doc = parse(current.body());
      if (!doc.has("serverKey")) {
        throw DomainException.conflict("no_server_key", "SDK connection '" + clientKey + "' has no server key", List.of());
      }
      doc.remove("serverKey");
      StoredEntity updated = tx.update(Kind.SDK_CONNECTION, project, clientKey, current.version(), doc.toString());
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
        .filter(e -> hash.equals(parse(e.body()).path("serverKey").path("hash").asText()))
        .map(StoredEntity::key).findFirst();
  }

  private static StoredEntity require(dev.assay.server.store.StoreTransaction tx, String project, String clientKey) {
    return tx.get(Kind.SDK_CONNECTION, project, clientKey).orElseThrow(() ->
        DomainException.notFound("SDK connection '" + clientKey + "' not found in project '" + project + "'"));
  }

  /* The audit log records that a key exists and when it was made, never its hash. */
  private static String redacted(String body) {
    ObjectNode doc = parse(body);
    if (doc.path("serverKey").isObject()) {
      ((ObjectNode) doc.get("serverKey")).remove("hash");
    }
    return doc.toString();
  }

  private static ObjectNode parse(String body) {
    try {
      return (ObjectNode) Json.MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored SDK connection is not JSON", e);
    }
  }
}
