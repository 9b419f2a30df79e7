package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.domain.model.Rollout;
import dev.assay.server.domain.model.RolloutPlan;
import dev.assay.server.safety.Rollouts;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Progressive rollouts of flag rules (docs/safety.md, ADR 0031): {@code PUT
 * /flags/{key}/rollout?environment=} creates or restarts one, {@code GET} reads it (state, step,
 * per-gate verdicts, transitions), {@code DELETE} removes it, {@code POST
 * .../rollout/pause|resume|advance|rollback} acts by hand, {@code GET /rollouts} lists a
 * project's. Every field of a bad body is named in the 400.
 */
final class RolloutsApi implements Resource {
  private static final Set<String> FIELDS = Set.of("rule", "control", "steps", "dwellSeconds", "minUnitsPerStep",
      "gates", "settleSeconds");
  private static final Set<String> GATE_FIELDS = Set.of("errorRateMargin", "latencyMarginMillis", "srm",
      "guardrails", "alpha");
  private static final ObjectNode SCHEMA = OpenApi.schema("""
      {"type":"object","additionalProperties":false,"required":["steps"],
       "properties":{"rule":{"type":"integer"},"control":{},"steps":{"type":"array","items":{"type":"number"}},
        "dwellSeconds":{"type":"integer"},"minUnitsPerStep":{"type":"integer"},"settleSeconds":{"type":"integer"},
        "gates":{"type":"object","additionalProperties":false,"properties":{"errorRateMargin":{"type":"number"},
          "latencyMarginMillis":{"type":"number"},"srm":{"type":"boolean"},"alpha":{"type":"number"},
          "guardrails":{"type":"array","items":{"type":"object","additionalProperties":false,
            "required":["metric","margin"],"properties":{"metric":{"type":"string"},"margin":{"type":"number"}}}}}}}}""");
  private static final ObjectNode ACTION_SCHEMA = OpenApi.schema("""
      {"type":"object","additionalProperties":false,"properties":{"reason":{"type":"string","maxLength":500}}}""");
  private static final String PATH = "/flags/{key}/rollout";
  private final Rollouts rollouts;

  RolloutsApi(Rollouts rollouts) {
    this.rollouts = rollouts;
  }

  @Override
  public List<Endpoint> endpoints() {
    List<Endpoint> out = new ArrayList<>();
    out.add(Endpoint.get("/rollouts", Permission.READ, "List the project's progressive rollouts", c -> {
      ObjectNode res = JsonNodeFactory.instance.objectNode();
      ArrayNode items = res.putArray("items");
      rollouts.list(c.project()).forEach(e -> items.add(view(e)));
      return Reply.ok(res);
    }).withQuery("project"));
    out.add(Endpoint.get(PATH, Permission.READ, "The progressive rollout of the flag in an environment",
        c -> Reply.ok(view(rollouts.get(c.project(), c.path("key"), environment(c))))).withQuery("project",
        "environment"));
    out.add(Endpoint.put(PATH, Permission.WRITE_CONFIG, "Create or restart the progressive rollout of a flag rule",
        c -> Reply.ok(view(put(c)))).withRequestSchema(SCHEMA).withQuery("project", "environment"));
    out.add(Endpoint.delete(PATH, Permission.WRITE_CONFIG, "Delete the progressive rollout (the rule serves its value)",
        c -> {
          rollouts.delete(c.project(), c.path("key"), environment(c), c.actor());
          return Reply.noContent();
        }).withQuery("project", "environment"));
    for (String action : Rollouts.ACTIONS) {
      out.add(Endpoint.action(PATH + "/" + action, Permission.WRITE_CONFIG, summary(action),
          c -> Reply.ok(view(rollouts.act(c.project(), c.path("key"), environment(c), action, reason(c.json()),
              c.actor())))).withRequestSchema(ACTION_SCHEMA).withQuery("project", "environment"));
    }
    return out;
  }

  private static String summary(String action) {
    return switch (action) {
      case "pause" -> "Pause the rollout: its current step is served, nothing moves until resumed";
      case "resume" -> "Resume a paused or rolled-back rollout at its current step (or the first)";
      case "advance" -> "Advance the rollout to its next step by hand (completing it before 100%)";
      default -> "Roll the rollout back one step by hand (from the first step: to control)";
    };
  }

  static String environment(Call c) {
    String env = c.query("environment").orElseThrow(() -> DomainException.invalid("environment", "is required"));
    if (!env.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
      throw DomainException.invalid("environment", "is not a valid environment key");
    }
    return env;
  }

  private static String reason(JsonNode body) {
    fields(body, Set.of("reason"), "");
    JsonNode r = body.get("reason");
    if (r == null || r.isNull()) {
      return "";
    }
    if (!r.isTextual() || r.asText().isBlank() || r.asText().length() > 500) {
      throw DomainException.invalid("reason", "must be a string of 1 to 500 characters, not blank");
    }
    return r.asText().strip();
  }

  private Rollouts.Entry put(Call c) {
    return rollouts.put(c.project(), c.path("key"), environment(c), plan(c.json()), c.actor());
  }

  /** A rollout plan from its JSON body (the {@code PUT} body, or a scheduled start's {@code plan}). */
  static RolloutPlan plan(JsonNode body) {
    fields(body, FIELDS, "");
    JsonNode g = body.path("gates");
    if (g.isMissingNode() || g.isNull()) {
      g = JsonNodeFactory.instance.objectNode();
    }
    fields(g, GATE_FIELDS, "gates.");
    List<Rollout.Guardrail> guardrails = new ArrayList<>();
    JsonNode list = g.path("guardrails");
    if (!list.isMissingNode() && !list.isNull()) {
      if (!list.isArray() || list.size() > 20) {
        throw DomainException.invalid("gates.guardrails", "must be an array of at most 20 guardrails");
      }
      for (int i = 0; i < list.size(); i++) {
        String f = "gates.guardrails[" + i + "]";
        fields(list.get(i), Set.of("metric", "margin"), f + ".");
        JsonNode metric = list.get(i).path("metric");
        if (!metric.isTextual()) {
          throw DomainException.invalid(f + ".metric", "is required, a metric key");
        }
        guardrails.add(new Rollout.Guardrail(metric.asText(), number(list.get(i), "margin", f + ".margin")
            .orElseThrow(() -> DomainException.invalid(f + ".margin", "is required, a positive number"))));
      }
    }
    JsonNode srm = g.path("srm");
    if (!srm.isMissingNode() && !srm.isNull() && !srm.isBoolean()) {
      throw DomainException.invalid("gates.srm", "must be true or false");
    }
    Rollout.Gates gates = new Rollout.Gates(number(g, "errorRateMargin", "gates.errorRateMargin"),
        number(g, "latencyMarginMillis", "gates.latencyMarginMillis"), srm.isBoolean() ? srm.asBoolean() : null,
        guardrails, number(g, "alpha", "gates.alpha").orElse(null));
    JsonNode steps = body.path("steps");
    if (!steps.isArray()) {
      throw DomainException.invalid("steps", "is required, an array of fractions ending in 1.0");
    }
    if (steps.size() > 20) {
      throw DomainException.invalid("steps", "must have at most 20 entries");
    }
    List<Double> fractions = new ArrayList<>();
    for (int i = 0; i < steps.size(); i++) {
      if (!steps.get(i).isNumber()) {
        throw DomainException.invalid("steps[" + i + "]", "must be a number");
      }
      fractions.add(steps.get(i).asDouble());
    }
    JsonNode control = body.has("control") ? body.get("control") : NullNode.getInstance();
    return new RolloutPlan((int) integer(body, "rule", 0, 199), control, fractions,
        integer(body, "dwellSeconds", 0, 30L * 86_400), integer(body, "minUnitsPerStep", 0, 1_000_000_000L), gates,
        body.hasNonNull("settleSeconds") ? integer(body, "settleSeconds", 0, 3600) : null);
  }

  private static void fields(JsonNode body, Set<String> known, String prefix) {
    if (!body.isObject()) {
      throw DomainException.invalid(prefix.isEmpty() ? "body" : prefix.substring(0, prefix.length() - 1),
          "must be a JSON object");
    }
    body.fieldNames().forEachRemaining(f -> {
      if (!known.contains(f)) {
        throw DomainException.invalid(prefix + f, "unknown field; known fields are " + known.stream().sorted().toList());
      }
    });
  }

  private static Optional<Double> number(JsonNode body, String name, String field) {
    JsonNode v = body.get(name);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isNumber()) {
      throw DomainException.invalid(field, "must be a number");
    }
    return Optional.of(v.asDouble());
  }

  private static long integer(JsonNode body, String field, long min, long max) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return min;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
      throw DomainException.invalid(field, "must be an integer from " + min + " to " + max);
    }
    return v.asLong();
  }

  static ObjectNode view(Rollouts.Entry e) {
    ObjectNode o = ModelJson.toTree(e.rollout());
    o.put("project", e.project()).put("version", e.version()).put("fraction", e.rollout().fraction())
        .put("trackingKey", e.rollout().trackingKey());
    return o;
  }
}
