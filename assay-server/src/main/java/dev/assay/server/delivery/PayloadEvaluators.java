package dev.assay.server.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.sdk.ExperimentClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@link ExperimentClient} per SDK connection, built from that connection's compiled payload
 * bytes, so that server-side evaluation (OFREP) runs the SDK's engine on the very payload the SDK
 * endpoint serves: a unit gets the same value and variant either way.
 *
 * <p>An evaluator is built when {@link PayloadCache} reports that a connection's payload changed,
 * or on the first request for a connection compiled before this object existed; requests reuse it
 * and never parse a payload. Every (re)build reads the cache's current payload inside the map's
 * per-key lock, so a late build can never replace a newer evaluator with an older one. A deleted
 * connection's evaluator is dropped at its next lookup. Thread-safe.
 */
public final class PayloadEvaluators {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final System.Logger LOG = System.getLogger(PayloadEvaluators.class.getName());

  private final PayloadCache payloads;
  private final Map<String, Evaluator> byClientKey = new ConcurrentHashMap<>();

  /** Evaluators over {@code payloads}, rebuilt as its payloads change. */
  public PayloadEvaluators(PayloadCache payloads) {
    this.payloads = Objects.requireNonNull(payloads, "payloads");
    payloads.onPayloadChange(p -> refresh(p.clientKey()));
  }

  /**
   * The evaluator of one SDK connection's payload: a client, the payload it was built from, and
   * which force rules apply to everybody.
   *
   * @param payload the compiled payload the client evaluates
   * @param client the SDK client over that payload (no exposure listener)
   * @param staticRules per feature, the id of its first rule when that rule forces one value for
   *     every unit (no condition, coverage, range, namespace, prerequisite, saved group or filter)
   */
  public record Evaluator(CompiledPayload payload, ExperimentClient client, Map<String, String> staticRules) {
    public Evaluator {
      Objects.requireNonNull(payload, "payload");
      Objects.requireNonNull(client, "client");
      staticRules = Map.copyOf(staticRules);
    }

    /** Whether a force result of {@code featureKey} by rule {@code ruleId} came from a static rule. */
    public boolean isStaticRule(String featureKey, String ruleId) {
      return !ruleId.isEmpty() && ruleId.equals(staticRules.get(featureKey));
    }
  }

  /** The evaluator of the connection with this client key; empty when there is no such connection. */
  public Optional<Evaluator> get(String clientKey) {
    Optional<CompiledPayload> current = payloads.get(clientKey);
    if (current.isEmpty()) {
      byClientKey.remove(clientKey);
      return Optional.empty();
    }
    Evaluator e = byClientKey.get(clientKey);
    if (e != null && e.payload().etag().equals(current.get().etag())) {
      return Optional.of(e);
    }
    return Optional.ofNullable(refresh(clientKey));
  }

  /* Brings one connection's evaluator to the cache's current payload (null when none). */
  private Evaluator refresh(String clientKey) {
    return byClientKey.compute(clientKey, (k, old) -> {
      CompiledPayload current = payloads.get(k).orElse(null);
      if (current == null) {
        return null;
      }
      if (old != null && old.payload().etag().equals(current.etag())) {
        return old;
      }
      try {
        return build(current);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "cannot build the evaluator of SDK connection '" + k
            + "'; keeping the previous one", e);
        return old;
      }
    });
  }

  static Evaluator build(CompiledPayload payload) {
    String json = new String(payload.plaintext(), StandardCharsets.UTF_8);
    ExperimentClient client = ExperimentClient.builder().payload(json).build();
    return new Evaluator(payload, client, staticRules(payload.plaintext()));
  }

  /*
   * Mirrors how the OpenFeature provider tells STATIC from TARGETING_MATCH: a force result is
   * STATIC only when it came from the feature's first rule and that rule applies to everybody.
   * Even full coverage leaves out units without the hash attribute, so coverage is targeting.
   */
  static Map<String, String> staticRules(byte[] payloadJson) {
    JsonNode root;
    try {
      root = MAPPER.readTree(payloadJson);
    } catch (IOException e) {
      return Map.of();
    }
    Map<String, String> out = new HashMap<>();
    root.path("features").properties().forEach(f -> {
      JsonNode first = f.getValue().path("rules").path(0);
      String id = first.path("id").asText("");
      if (first.isObject() && first.has("force") && !id.isEmpty() && !targeted(first)) {
        out.put(f.getKey(), id);
      }
    });
    return out;
  }

  private static boolean targeted(JsonNode rule) {
    if (rule.has("coverage")) {
      return true;
    }
    for (String field : new String[] {"condition", "parentConditions", "savedGroups", "filters"}) {
      JsonNode v = rule.path(field);
      if (!v.isMissingNode() && !v.isNull() && !(v.isContainerNode() && v.isEmpty())) {
        return true;
      }
    }
    return !(rule.path("range").isMissingNode() || rule.path("range").isNull())
        || !(rule.path("namespace").isMissingNode() || rule.path("namespace").isNull());
  }
}
