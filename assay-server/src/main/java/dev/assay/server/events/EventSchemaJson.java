package dev.assay.server.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.DomainException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The JSON of an event schema's contract — {@code value}, {@code properties} and an optional
 * declared {@code version} — read in one place for both of its writers, the API's
 * {@code PUT /event-schemas/{name}} body and an {@code event_schema} file of experiments-as-code
 * (ADR 0052), with every bad field named; and its JSON Schema, which both publish.
 */
public final class EventSchemaJson {
  private static final Set<String> FIELDS = Set.of("value", "properties", "version");
  private static final Set<String> PROPERTY_FIELDS = Set.of("type", "required", "allowed");
  private static final String SCHEMA = """
      {"type":"object","additionalProperties":false,
       "properties":{"value":{"type":"string","enum":["any","required","absent"]},
        "version":{"type":"integer","minimum":1,"description":"declares the version this is: required for a breaking change"},
        "properties":{"type":"object","additionalProperties":{"type":"object","additionalProperties":false,
          "required":["type"],"properties":{"type":{"type":"string","enum":["string","number","boolean","object","array"]},
          "required":{"type":"boolean"},"allowed":{"type":"array","items":{"type":"string"}}}}}}}""";

  private EventSchemaJson() {}

  /** The JSON Schema (draft 2020-12) of a contract body; a fresh copy. */
  public static ObjectNode schema() {
    try {
      return (ObjectNode) new ObjectMapper().readTree(SCHEMA);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("malformed schema literal", e);
    }
  }

  /** The version a body declares ({@code version}), if any; 400 naming {@code version} when it is not 1 or more. */
  public static Optional<Long> declaredVersion(JsonNode body) {
    return Optional.ofNullable(body.get("version")).map(v -> {
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 1) {
        throw DomainException.invalid("version", "must be a whole number from 1");
      }
      return v.asLong();
    });
  }

  /**
   * The contract a body declares for the event {@code name} (version 1, no writer: {@link
   * DataContracts#put} sets both); 400 naming the field otherwise ({@code properties.plan.type}).
   */
  public static EventSchema read(String name, JsonNode body) {
    fields(body, FIELDS, "");
    EventSchema.ValueRule value = body.has("value")
        ? wire(EventSchema.ValueRule.values(), body.get("value"), "value") : EventSchema.ValueRule.ANY;
    Map<String, EventSchema.Property> properties = new LinkedHashMap<>();
    JsonNode props = body.get("properties");
    if (props != null && !props.isNull()) {
      if (!props.isObject()) {
        throw DomainException.invalid("properties", "must be an object of property name to {type, required, allowed}");
      }
      if (props.size() > EventSchema.MAX_PROPERTIES) {
        throw DomainException.invalid("properties", "at most " + EventSchema.MAX_PROPERTIES + " properties");
      }
      for (Map.Entry<String, JsonNode> e : props.properties()) {
        String field = "properties." + e.getKey();
        if (e.getKey().isEmpty() || e.getKey().length() > 256) {
          throw DomainException.invalid("properties", "a property name must be 1 to 256 characters");
        }
        properties.put(e.getKey(), property(fields(e.getValue(), PROPERTY_FIELDS, field), field));
      }
    }
    return new EventSchema(name, 1, value, properties, "", "");
  }

  private static EventSchema.Property property(JsonNode p, String field) {
    if (!p.has("type")) {
      throw DomainException.invalid(field + ".type", "is required: one of string, number, boolean, object, array");
    }
    EventSchema.Type type = wire(EventSchema.Type.values(), p.get("type"), field + ".type");
    JsonNode req = p.get("required");
    if (req != null && !req.isBoolean()) {
      throw DomainException.invalid(field + ".required", "must be true or false");
    }
    List<String> allowed = new ArrayList<>();
    JsonNode a = p.get("allowed");
    if (a != null && !a.isNull()) {
      if (!a.isArray() || a.size() > EventSchema.MAX_ALLOWED) {
        throw DomainException.invalid(field + ".allowed", "must be an array of at most " + EventSchema.MAX_ALLOWED
            + " strings");
      }
      for (JsonNode v : a) {
        if (!v.isTextual() || v.asText().length() > 256) {
          throw DomainException.invalid(field + ".allowed", "each allowed value must be a string of at most 256"
              + " characters");
        }
        allowed.add(v.asText());
      }
    }
    try {
      return new EventSchema.Property(type, req != null && req.asBoolean(), allowed);
    } catch (DomainException ex) {
      throw ex.within(field);
    }
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
    if (body == null || !body.isObject()) {
      throw DomainException.invalid(prefix.isEmpty() ? "body" : prefix, "must be a JSON object");
    }
    body.fieldNames().forEachRemaining(f -> {
      if (!known.contains(f)) {
        throw DomainException.invalid(prefix.isEmpty() ? f : prefix + "." + f, "unknown field; known fields are "
            + known.stream().sorted().toList());
      }
    });
    return body;
  }
}
