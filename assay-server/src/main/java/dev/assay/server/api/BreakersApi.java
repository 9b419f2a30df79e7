package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import dev.assay.server.safety.BreakerConfig;
import dev.assay.server.safety.CircuitBreakers;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * The circuit breakers of flags and experiments (docs/safety.md): {@code PUT
 * /experiments/{key}/breaker} (or {@code /flags/{key}/breaker}) creates or replaces (and re-arms)
 * one, {@code GET} reads it, {@code DELETE} removes it; {@code GET /breakers} lists a project's.
 * Every field of a bad body is named in the 400.
 */
final class BreakersApi implements Resource {
  private static final Set<String> FIELDS = Set.of("errorRateMargin", "latencyP99Margin", "maxErrorRate",
      "maxP99Millis", "alpha", "minSamples", "windowSeconds", "horizonSeconds");
  private static final com.fasterxml.jackson.databind.node.ObjectNode SCHEMA = OpenApi.schema("""
      {"type":"object","additionalProperties":false,
       "properties":{"errorRateMargin":{"type":"number"},"latencyP99Margin":{"type":"number"},
        "maxErrorRate":{"type":"number"},"maxP99Millis":{"type":"number"},"alpha":{"type":"number"},
        "minSamples":{"type":"integer"},"windowSeconds":{"type":"integer"},"horizonSeconds":{"type":"integer"}}}""");
  private final CircuitBreakers breakers;

  BreakersApi(CircuitBreakers breakers) {
    this.breakers = breakers;
  }

  @Override
  public List<Endpoint> endpoints() {
    List<Endpoint> out = new ArrayList<>();
    out.add(Endpoint.get("/breakers", Permission.READ, "List the project's circuit breakers", c -> {
      ObjectNode res = JsonNodeFactory.instance.objectNode();
      ArrayNode items = res.putArray("items");
      breakers.list(c.project()).forEach(b -> items.add(view(b)));
      return Reply.ok(res);
    }).withQuery("project"));
    for (BreakerConfig.Target target : BreakerConfig.Target.values()) {
      String noun = target.wire();
      String path = "/" + noun + "s/{key}/breaker";
      out.add(Endpoint.get(path, Permission.READ, "The circuit breaker of the " + noun,
          c -> Reply.ok(view(breakers.get(c.project(), target, c.path("key"))))).withQuery("project"));
      out.add(Endpoint.put(path, Permission.WRITE_CONFIG, "Create or replace (and re-arm) the circuit breaker of the "
          + noun, c -> Reply.ok(view(breakers.put(c.project(), config(target, c.path("key"), c.json()), c.actor()))))
          .withRequestSchema(SCHEMA).withQuery("project"));
      out.add(Endpoint.delete(path, Permission.WRITE_CONFIG, "Delete the circuit breaker of the " + noun, c -> {
        breakers.delete(c.project(), target, c.path("key"), c.actor());
        return Reply.noContent();
      }).withQuery("project"));
    }
    return out;
  }

  /* The request body, strictly: unknown fields and wrong types are named. */
  static BreakerConfig config(BreakerConfig.Target target, String key, JsonNode body) {
    if (!body.isObject()) {
      throw DomainException.invalid("body", "must be a JSON object");
    }
    body.fieldNames().forEachRemaining(f -> {
      if (!FIELDS.contains(f)) {
        throw DomainException.invalid(f, "unknown field; known fields are " + FIELDS.stream().sorted().toList());
      }
    });
    return new BreakerConfig(target, key, number(body, "errorRateMargin"), number(body, "latencyP99Margin"),
        number(body, "maxErrorRate"), number(body, "maxP99Millis"),
        number(body, "alpha").orElse(BreakerConfig.DEFAULT_ALPHA),
        integer(body, "minSamples", BreakerConfig.DEFAULT_MIN_SAMPLES),
        integer(body, "windowSeconds", BreakerConfig.DEFAULT_WINDOW_SECONDS),
        integer(body, "horizonSeconds", BreakerConfig.DEFAULT_HORIZON_SECONDS));
  }

  private static OptionalDouble number(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return OptionalDouble.empty();
    }
    if (!v.isNumber()) {
      throw DomainException.invalid(field, "must be a number");
    }
    return OptionalDouble.of(v.asDouble());
  }

  private static int integer(JsonNode body, String field, int fallback) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw DomainException.invalid(field, "must be an integer");
    }
    return v.asInt();
  }

  static ObjectNode view(CircuitBreakers.Breaker b) {
    BreakerConfig c = b.config();
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("target", c.target().wire()).put("key", c.key()).put("project", b.project()).put("version", b.version());
    put(o, "errorRateMargin", c.errorRateMargin());
    put(o, "latencyP99Margin", c.latencyP99Margin());
    put(o, "maxErrorRate", c.maxErrorRate());
    put(o, "maxP99Millis", c.maxP99Millis());
    o.put("alpha", c.alpha()).put("minSamples", c.minSamples()).put("windowSeconds", c.windowSeconds())
        .put("horizonSeconds", c.horizonSeconds());
    o.put("state", b.trip().isPresent() ? "tripped" : "armed");
    b.trip().ifPresentOrElse(t -> o.putObject("tripped").put("at", t.at()).put("reason", t.reason())
        .put("replica", t.replica()).put("applied", t.isApplied()), () -> o.putNull("tripped"));
    return o;
  }

  private static void put(ObjectNode o, String field, OptionalDouble v) {
    if (v.isPresent()) {
      o.put(field, v.getAsDouble());
    } else {
      o.putNull(field);
    }
  }
}
