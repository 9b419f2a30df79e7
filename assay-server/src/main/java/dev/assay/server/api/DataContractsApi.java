package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.auth.Permission;
import dev.assay.server.domain.DomainException;
import dev.assay.server.events.ContractSettings;
import dev.assay.server.events.DataContracts;
import dev.assay.server.events.EventSchema;
import dev.assay.server.events.EventSchemaJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Data contracts (docs/operations.md "Data contracts and quality", ADR 0042): event schemas per
 * project and event name ({@code GET /event-schemas}, {@code GET|PUT|DELETE /event-schemas/{key}})
 * and the project's data-quality settings ({@code GET|PUT /data-quality}: validation mode and
 * flagging rules). Every field of a bad body is named in the 400.
 */
final class DataContractsApi implements Resource {
  private static final Set<String> SETTINGS_FIELDS = Set.of("mode", "flagging", "clockSkewPastSeconds",
      "clockSkewFutureSeconds", "botUserAgents", "maxEventsPerUnitPerMinute");
  private static final ObjectNode SCHEMA_SCHEMA = EventSchemaJson.schema();
  private static final ObjectNode SETTINGS_SCHEMA = OpenApi.schema("""
      {"type":"object","additionalProperties":false,
       "properties":{"mode":{"type":"string","enum":["warn","enforce"]},"flagging":{"type":"boolean"},
        "clockSkewPastSeconds":{"type":"integer","minimum":1},"clockSkewFutureSeconds":{"type":"integer","minimum":1},
        "botUserAgents":{"type":"array","items":{"type":"string"}},
        "maxEventsPerUnitPerMinute":{"type":"integer","minimum":0}}}""");
  private final DataContracts contracts;

  DataContractsApi(DataContracts contracts) {
    this.contracts = contracts;
  }

  @Override
  public List<Endpoint> endpoints() {
    List<Endpoint> out = new ArrayList<>();
    out.add(Endpoint.get("/event-schemas", Permission.READ, "List the project's event schemas", c -> {
      ObjectNode res = JsonNodeFactory.instance.objectNode();
      ArrayNode items = res.putArray("items");
      contracts.schemas(c.project()).forEach(s -> items.add(view(s)));
      return Reply.ok(res);
    }).withQuery("project"));
    out.add(Endpoint.get("/event-schemas/{key}", Permission.READ, "The schema of a metric event name",
        c -> Reply.ok(view(contracts.schema(c.project(), name(c))))).withQuery("project"));
    out.add(Endpoint.put("/event-schemas/{key}", Permission.WRITE_METRICS,
        "Declare or evolve the schema of a metric event name: a compatible change bumps the version; a breaking"
            + " one is refused (422 breaking_change naming each property) unless the body declares the next version",
        c -> {
          EventSchema draft = EventSchemaJson.read(name(c), c.json());
          DataContracts.Put put = contracts.put(c.project(), draft, EventSchemaJson.declaredVersion(c.json()), c.actor());
          ObjectNode o = view(put.schema());
          o.put("outcome", put.outcome().name().toLowerCase(Locale.ROOT));
          return put.outcome() == DataContracts.Outcome.CREATED ? Reply.created(o) : Reply.ok(o);
        }).withRequestSchema(SCHEMA_SCHEMA).withQuery("project"));
    out.add(Endpoint.delete("/event-schemas/{key}", Permission.WRITE_METRICS,
        "Remove the schema of a metric event name (its history stays in the audit log)", c -> {
          contracts.delete(c.project(), name(c), c.actor());
          return Reply.noContent();
        }).withQuery("project"));
    out.add(Endpoint.get("/data-quality", Permission.READ,
        "The project's data-quality settings: schema validation mode and the rules that flag data", c ->
            Reply.ok(view(contracts.settings(c.project())))).withQuery("project"));
    out.add(Endpoint.put("/data-quality", Permission.ADMIN,
        "Replace the project's data-quality settings (fields left out take their defaults)", c -> {
          ContractSettings s = settings(fields(c.json(), SETTINGS_FIELDS, ""));
          return Reply.ok(view(contracts.setSettings(c.project(), s, c.actor())));
        }).withRequestSchema(SETTINGS_SCHEMA).withQuery("project"));
    return out;
  }

  private static String name(Call c) {
    String n = c.path("key");
    if (n == null || n.isEmpty() || n.length() > EventSchema.MAX_NAME) {
      throw DomainException.invalid("name", "must be 1 to " + EventSchema.MAX_NAME + " characters");
    }
    return n;
  }

  private static ContractSettings settings(JsonNode body) {
    ContractSettings d = ContractSettings.DEFAULTS;
    ContractSettings.Mode mode = body.has("mode") ? wire(ContractSettings.Mode.values(), body.get("mode"), "mode") : d.mode();
    JsonNode f = body.get("flagging");
    if (f != null && !f.isBoolean()) {
      throw DomainException.invalid("flagging", "must be true or false");
    }
    List<String> agents = d.botUserAgents();
    JsonNode a = body.get("botUserAgents");
    if (a != null) {
      if (!a.isArray()) {
        throw DomainException.invalid("botUserAgents", "must be an array of strings");
      }
      agents = new ArrayList<>();
      for (JsonNode v : a) {
        if (!v.isTextual()) {
          throw DomainException.invalid("botUserAgents", "must be an array of strings");
        }
        agents.add(v.asText());
      }
    }
    return new ContractSettings(mode, f != null ? f.asBoolean() : d.flagging(),
        whole(body, "clockSkewPastSeconds", d.clockSkewPastSeconds()),
        whole(body, "clockSkewFutureSeconds", d.clockSkewFutureSeconds()), agents,
        (int) Math.min(Integer.MAX_VALUE, whole(body, "maxEventsPerUnitPerMinute", d.maxEventsPerUnitPerMinute())), "", "");
  }

  private static long whole(JsonNode body, String field, long otherwise) {
    JsonNode v = body.get(field);
    if (v == null) {
      return otherwise;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw DomainException.invalid(field, "must be a whole number");
    }
    return v.asLong();
  }

  private static <E extends Enum<E>> E wire(E[] values, JsonNode v, String field) {
    List<String> names = java.util.Arrays.stream(values).map(x -> x.name().toLowerCase(Locale.ROOT)).toList();
    if (v != null && v.isTextual()) {
      int i = names.indexOf(v.asText());
      if (i >= 0) {
        return values[i];
      }
    }
    throw DomainException.invalid(field, "must be one of " + names + (v != null && v.isTextual() ? ", was '"
        + v.asText() + "'" : ""));
  }

  private static JsonNode fields(JsonNode body, Set<String> known, String prefix) {
    String at = prefix.isEmpty() ? "body" : prefix;
    if (body == null || !body.isObject()) {
      throw DomainException.invalid(at, "must be a JSON object");
    }
    body.fieldNames().forEachRemaining(f -> {
      if (!known.contains(f)) {
        throw DomainException.invalid(prefix.isEmpty() ? f : prefix + "." + f, "unknown field; known fields are "
            + known.stream().sorted().toList());
      }
    });
    return body;
  }

  static ObjectNode view(EventSchema s) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("name", s.name()).put("version", s.version()).put("value", s.value().name().toLowerCase(Locale.ROOT));
    ObjectNode props = o.putObject("properties");
    s.properties().forEach((k, p) -> {
      ObjectNode n = props.putObject(k).put("type", p.type().name().toLowerCase(Locale.ROOT)).put("required", p.required());
      ArrayNode allowed = n.putArray("allowed");
      p.allowed().forEach(allowed::add);
    });
    return o.put("updatedBy", s.updatedBy()).put("updatedAt", s.updatedAt());
  }

  static ObjectNode view(ContractSettings s) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("mode", s.mode().name().toLowerCase(Locale.ROOT)).put("flagging", s.flagging())
        .put("clockSkewPastSeconds", s.clockSkewPastSeconds()).put("clockSkewFutureSeconds", s.clockSkewFutureSeconds());
    ArrayNode agents = o.putArray("botUserAgents");
    s.botUserAgents().forEach(agents::add);
    return o.put("maxEventsPerUnitPerMinute", s.maxEventsPerUnitPerMinute()).put("updatedBy", s.updatedBy())
        .put("updatedAt", s.updatedAt());
  }
}
