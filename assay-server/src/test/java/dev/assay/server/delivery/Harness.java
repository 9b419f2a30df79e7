package dev.assay.server.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.sdk.ExperimentClient;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.store.JdbcConfigStore;
import dev.assay.server.store.Kind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Clock;

/**
 * A {@link ConfigService} over a fresh embedded store with an attached {@link PayloadCache}, as
 * the server wires them, plus shorthands for writing configuration and evaluating payloads.
 */
final class Harness implements AutoCloseable {
  static final String ACTOR = "payload-test";
  static final ObjectMapper JSON = new ObjectMapper();

  final JdbcConfigStore store;
  final ConfigService config;
  final PayloadCache cache;

  Harness() {
    java.nio.file.Path dir;
    try {
      dir = Files.createTempDirectory("assay-payload-test-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    store = JdbcConfigStore.embedded(dir);
    Clock clock = Clock.systemUTC();
    SecureRandom random = new SecureRandom();
    dev.assay.server.audit.AuditKey key = dev.assay.server.audit.AuditKey.load(java.util.Optional.empty(), dir);
    config = new ConfigService(store, new AuditLog(clock, key,
        dev.assay.server.audit.AuditAnchor.open(dir.resolve("audit-anchor.log"), key)), clock, random);
    config.ensureDefaultProject();
    cache = new PayloadCache(config);
    cache.attach();
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  ObjectNode create(Kind kind, String body) {
    return create(kind, ConfigService.DEFAULT_PROJECT, body);
  }

  ObjectNode create(Kind kind, String project, String body) {
    return config.create(kind, project, json(body), ACTOR);
  }

  /** Creates an SDK connection for an environment of the default project; returns its client key. */
  String connection(String environment) {
    return connection(ConfigService.DEFAULT_PROJECT, environment);
  }

  String connection(String project, String environment) {
    return create(Kind.SDK_CONNECTION, project,
        "{\"name\":\"conn-" + environment + "\",\"environment\":\"" + environment + "\"}").path("key").asText();
  }

  ObjectNode update(Kind kind, String key, String bodyWithoutVersion) {
    return update(kind, key, bodyWithoutVersion, false);
  }

  /** Replaces an entity, adding the current version to the body. */
  ObjectNode update(Kind kind, String key, String bodyWithoutVersion, boolean newPhase) {
    long version = config.get(kind, ConfigService.DEFAULT_PROJECT, key).path("version").asLong();
    ObjectNode body = (ObjectNode) json(bodyWithoutVersion);
    body.put("version", version);
    return config.update(kind, ConfigService.DEFAULT_PROJECT, key, body, newPhase, ACTOR);
  }

  ObjectNode transition(String experiment, ConfigService.Action action) {
    return transition(experiment, action, "{}");
  }

  ObjectNode transition(String experiment, ConfigService.Action action, String body) {
    return config.transition(ConfigService.DEFAULT_PROJECT, experiment, action, json(body), ACTOR);
  }

  /** The cached payload of a connection (fails if there is none). */
  CompiledPayload payload(String clientKey) {
    return cache.get(clientKey).orElseThrow(() -> new AssertionError("no payload for " + clientKey));
  }

  /** The parsed cached payload of a connection. */
  JsonNode payloadJson(String clientKey) {
    try {
      return JSON.readTree(payload(clientKey).json());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An SDK client loaded with the connection's cached payload, as an application would get it. */
  ExperimentClient sdk(String clientKey) {
    return ExperimentClient.builder()
        .payload(new String(payload(clientKey).json(), StandardCharsets.UTF_8))
        .build();
  }

  @Override
  public void close() {
    store.close();
  }
}
