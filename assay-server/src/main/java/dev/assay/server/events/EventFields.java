package dev.assay.server.events;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * The fields of one event as {@link EventParser} reads them from the stream (no tree per event):
 * each is absent (Java null), {@link #NULL}, a String, a Long, BigInteger or Double, an ObjectNode
 * (attributes, properties) or {@link #OTHER}. Validation happens in the parser, not here.
 */
final class EventFields {
  /** A JSON value other than a string, number, null or object (an array or boolean). */
  static final Object OTHER = new Object();
  /** JSON null. */
  static final Object NULL = new Object();

  boolean object = true;
  Object id;
  Object type;
  Object unitId;
  Object timestamp;
  Object experimentKey;
  Object variationId;
  Object hashAttribute;
  Object name;
  Object value;
  Object attributes;
  Object properties;
  /** The consent flag: absent, {@link #NULL}, Boolean, or another value ({@link #OTHER} or a scalar). */
  Object consent;

  /* Reads the value starting at token t (the parser ends on its last token). */
  static EventFields read(JsonParser p, JsonToken t) throws IOException {
    EventFields f = new EventFields();
    if (t != JsonToken.START_OBJECT) {
      if (t == null) {
        return null;
      }
      p.skipChildren();
      f.object = false;
      return f;
    }
    String field;
    while ((field = p.nextFieldName()) != null) {
      JsonToken v = p.nextToken();
      switch (field) {
        case "id" -> f.id = scalar(p, v);
        case "type" -> f.type = scalar(p, v);
        case "unitId" -> f.unitId = scalar(p, v);
        case "timestamp" -> f.timestamp = scalar(p, v);
        case "experimentKey" -> f.experimentKey = scalar(p, v);
        case "variationId" -> f.variationId = scalar(p, v);
        case "hashAttribute" -> f.hashAttribute = scalar(p, v);
        case "name" -> f.name = scalar(p, v);
        case "value" -> f.value = scalar(p, v);
        case "attributes" -> f.attributes = v == JsonToken.START_OBJECT ? p.readValueAsTree() : scalar(p, v);
        case "properties" -> f.properties = v == JsonToken.START_OBJECT ? p.readValueAsTree() : scalar(p, v);
        case "consent" -> f.consent = v == JsonToken.VALUE_TRUE ? Boolean.TRUE : v == JsonToken.VALUE_FALSE ? Boolean.FALSE
            : scalar(p, v);
        default -> p.skipChildren();
      }
    }
    if (p.currentToken() != JsonToken.END_OBJECT) {
      throw new JsonParseException(p, "unexpected end of input in an event");
    }
    return f;
  }

  private static Object scalar(JsonParser p, JsonToken v) throws IOException {
    return switch (v) {
      case VALUE_STRING -> p.getText();
      case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? p.getBigIntegerValue()
          : (Object) p.getLongValue();
      case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
      case VALUE_NULL -> NULL;
      default -> {
        p.skipChildren();
        yield OTHER;
      }
    };
  }
}

