package dev.assay.server.api;

import dev.assay.server.auth.ApiKeys;
import dev.assay.server.auth.Principal;
import dev.assay.server.auth.ServerKeys;
import dev.assay.server.delivery.CompiledPayload;
import dev.assay.server.delivery.PayloadCache;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import java.util.Optional;

/**
 * The one way a request is authenticated, for every route. A request presents at most one key:
 * the {@code X-API-Key} header, else {@code Authorization: Bearer <key>}, else
 * {@code X-Assay-Client-Key}. The key is then, in this order, an SDK connection's secret server key
 * ({@value ServerKeys#PREFIX}...), an SDK connection's public client key, or a management API key.
 * The route decides which kinds it accepts and answers the others (management routes refuse SDK
 * keys, OFREP refuses API keys); the project scope of an API key (its {@link Principal}'s projects) is
 * checked by {@link ProjectScope} on every route that takes one.
 * Thread-safe.
 */
final class Credentials {
  static final HeaderName X_API_KEY = HeaderNames.create("X-API-Key");
  static final HeaderName X_CLIENT_KEY = HeaderNames.create("X-Assay-Client-Key");
  /** How a key may be sent, for messages. */
  static final String HOW = "send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'";

  /** What a request's credential resolved to. */
  sealed interface Resolution permits ApiKey, Connection, Refused {}

  /** A management API key: its holder, role and projects. */
  record ApiKey(Principal principal) implements Resolution {}

  /**
   * An SDK connection, by its client key or its server key: the connection's compiled payload
   * names its client key, project and environment.
   */
  record Connection(CompiledPayload payload, boolean byServerKey) implements Resolution {
    String clientKey() {
      return payload.clientKey();
    }
  }

  /** No usable credential (always a 401): the message says what was wrong. */
  record Refused(String message) implements Resolution {}

  private final ApiKeys keys;
  private final ServerKeys serverKeys;
  private final PayloadCache payloads;

  Credentials(ApiKeys keys, PayloadCache payloads) {
    this.keys = keys;
    this.serverKeys = keys.serverKeys();
    this.payloads = payloads;
  }

  /** The credential of a request, resolved. */
  Resolution resolve(ServerRequest req) {
    Optional<String> header = nonBlank(req.headers().first(X_API_KEY));
    if (header.isEmpty()) {
      Optional<String> auth = req.headers().first(HeaderNames.AUTHORIZATION);
      if (auth.isPresent()) {
        if (!auth.get().regionMatches(true, 0, "Bearer ", 0, 7)) {
          return new Refused("Authorization must be 'Bearer <key>'");
        }
        header = nonBlank(Optional.of(auth.get().substring(7)));
      } else {
        header = nonBlank(req.headers().first(X_CLIENT_KEY));
      }
    }
    return header.map(this::resolve).orElseGet(() -> new Refused("missing credentials: " + HOW));
  }

  /** A presented key, resolved. */
  Resolution resolve(String key) {
    if (key.startsWith(ServerKeys.PREFIX)) {
      return serverKeys.clientKeyOf(key).flatMap(payloads::get).<Resolution>map(p -> new Connection(p, true))
          .orElseGet(() -> new Refused("unknown or revoked server key"));
    }
    Optional<CompiledPayload> connection = payloads.get(key);
    if (connection.isPresent()) {
      return new Connection(connection.get(), false);
    }
    return keys.authenticate(key).<Resolution>map(ApiKey::new)
        .orElseGet(() -> new Refused("unknown key: not the client or server key of an SDK connection, nor an active"
            + " API key"));
  }

  /**
   * The SDK connection of a client key named in a path ({@code /api/features/{clientKey}},
   * {@code /sub/{clientKey}}): client keys are public, so the path is the credential.
   */
  Optional<Connection> clientKey(String clientKey) {
    return payloads.get(clientKey).map(p -> new Connection(p, false));
  }

  private static Optional<String> nonBlank(Optional<String> value) {
    return value.map(String::strip).filter(s -> !s.isEmpty());
  }
}
