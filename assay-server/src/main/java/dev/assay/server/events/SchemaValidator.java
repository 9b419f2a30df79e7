package dev.assay.server.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The event schemas of one project compiled for ingestion: per event name, the properties as
 * indexed slots with their allowed values as hash sets, so that checking an event is one
 * streaming pass over its properties (no tree, no allocation beyond the parser) and a name
 * without a schema costs one map look-up. Immutable and thread-safe; built once per change of
 * the project's schemas ({@link DataContracts}), never per event.
 */
public final class SchemaValidator {
  /** No schemas: every event passes. */
  public static final SchemaValidator EMPTY = new SchemaValidator(List.of());
  private static final JsonFactory JSON = new JsonFactory();

  /** Why an event breaks its schema: a reason code (a metric label), the field, and a message. */
  public record Violation(String reason, String field, String message) {
    /** The message as a batch answer gives it. */
    public String describe() {
      return "schema: " + field + ": " + message + " (" + reason + ")";
    }
  }

  private record Slot(String name, EventSchema.Type type, boolean required, Set<String> allowed, int index) {}

  private record Compiled(EventSchema schema, Map<String, Slot> slots, Slot[] required) {}

  private final Map<String, Compiled> byName = new HashMap<>();

  public SchemaValidator(List<EventSchema> schemas) {
    for (EventSchema s : schemas) {
      Map<String, Slot> slots = new HashMap<>();
      List<Slot> required = new java.util.ArrayList<>();
      for (Map.Entry<String, EventSchema.Property> p : s.properties().entrySet()) {
        EventSchema.Property prop = p.getValue();
        Slot slot = new Slot(p.getKey(), prop.type(), prop.required(), Set.copyOf(prop.allowed()),
            prop.required() ? required.size() : -1);
        if (prop.required()) {
          required.add(slot);
        }
        slots.put(p.getKey(), slot);
      }
      byName.put(s.name(), new Compiled(s, Map.copyOf(slots), required.toArray(Slot[]::new)));
    }
  }

  /** Whether any schema is declared. */
  public boolean isEmpty() {
    return byName.isEmpty();
  }

  /** The first way a metric event breaks its name's schema, if it has one and breaks it. */
  public Optional<Violation> check(Event e) {
    if (e.type() != Event.Type.METRIC) {
      return Optional.empty();
    }
    Compiled c = byName.get(e.name());
    if (c == null) {
      return Optional.empty();
    }
    switch (c.schema().value()) {
      case REQUIRED -> {
        if (e.value() == null) {
          return Optional.of(new Violation("missing_value", "value", "is required: a number"));
        }
      }
      case ABSENT -> {
        if (e.value() != null) {
          return Optional.of(new Violation("unexpected_value", "value", "must be absent"));
        }
      }
      case ANY -> { }
    }
    if (c.slots().isEmpty()) {
      return Optional.empty();
    }
    return properties(c, e.json() == null ? "{}" : e.json());
  }

  private static Optional<Violation> properties(Compiled c, String json) {
    long seen = 0; // bit i: required slot i was present (at most 50 properties per event)
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return Optional.of(new Violation("wrong_type", "properties", "must be a JSON object"));
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        Slot slot = c.slots().get(p.currentName());
        JsonToken t = p.nextToken();
        if (slot == null) {
          p.skipChildren();
          continue;
        }
        if (t == JsonToken.VALUE_NULL) {
          if (slot.required()) {
            return Optional.of(missing(slot));
          }
          continue;
        }
        if (!matches(slot.type(), t)) {
          return Optional.of(new Violation("wrong_type", "properties." + slot.name(), "must be a "
              + SchemaChange.wire(slot.type()) + ", was " + kind(t)));
        }
        if (!slot.allowed().isEmpty() && !slot.allowed().contains(p.getText())) {
          return Optional.of(new Violation("not_allowed_value", "properties." + slot.name(), "'" + p.getText()
              + "' is not an allowed value"));
        }
        p.skipChildren();
        if (slot.index() >= 0) {
          seen |= 1L << slot.index();
        }
      }
    } catch (IOException ex) {
      return Optional.of(new Violation("wrong_type", "properties", "not valid JSON"));
    }
    for (Slot r : c.required()) {
      if ((seen & (1L << r.index())) == 0) {
        return Optional.of(missing(r));
      }
    }
    return Optional.empty();
  }

  private static Violation missing(Slot s) {
    return new Violation("missing_property", "properties." + s.name(), "is required");
  }

  private static boolean matches(EventSchema.Type type, JsonToken t) {
    return switch (type) {
      case STRING -> t == JsonToken.VALUE_STRING;
      case NUMBER -> t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT;
      case BOOLEAN -> t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE;
      case OBJECT -> t == JsonToken.START_OBJECT;
      case ARRAY -> t == JsonToken.START_ARRAY;
    };
  }

  private static String kind(JsonToken t) {
    return switch (t) {
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      default -> "null";
    };
  }
}
