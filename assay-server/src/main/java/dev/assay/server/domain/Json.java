package dev.assay.server.domain;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.util.List;

/**
 * The server's JSON mapping: strict (unknown fields, wrong types and scalar coercions are errors),
 * and every binding failure becomes a {@link DomainException} naming the field path.
 */
public final class Json {
  /** The shared, thread-safe mapper. */
  public static final ObjectMapper MAPPER = strictMapper();

  private Json() {}

  private static ObjectMapper strictMapper() {
    JsonMapper mapper = JsonMapper.builder()
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .build();
    mapper.getFactory().setStreamReadConstraints(
        StreamReadConstraints.builder().maxNestingDepth(64).maxStringLength(2_000_000).build());
    mapper.coercionConfigFor(LogicalType.Textual)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    return mapper;
  }

  /** Parses a request body; malformed JSON becomes an error naming the position. */
  public static JsonNode parse(byte[] body) {
    try {
      JsonNode node = MAPPER.readTree(body);
      if (node == null || node.isMissingNode()) {
        throw new DomainException(DomainException.Category.INVALID, "malformed_json",
            "request body is empty; expected a JSON object", List.of(new DomainException.Detail("body", "is empty")));
      }
      return node;
    } catch (JsonProcessingException e) {
      var loc = e.getLocation();
      String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
      throw new DomainException(DomainException.Category.INVALID, "malformed_json",
          "request body is not valid JSON" + where + ": " + e.getOriginalMessage(),
          List.of(new DomainException.Detail("body", "not valid JSON" + where)));
    } catch (java.io.IOException e) {
      throw new DomainException(DomainException.Category.INVALID, "malformed_json",
          "request body could not be read", List.of());
    }
  }

  /** Binds a JSON object to a record, translating Jackson's failures into field errors. */
  static <T> T bind(JsonNode node, Class<T> type) {
    if (!node.isObject()) {
      throw DomainException.invalid("body", "must be a JSON object, was " + node.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
    }
    try {
      return MAPPER.treeToValue(node, type);
    } catch (ValueInstantiationException e) {
      if (e.getCause() instanceof DomainException d) {
        throw d.within(path(e));
      }
      throw DomainException.invalid(orBody(path(e)), "is invalid");
    } catch (UnrecognizedPropertyException e) {
      String field = path(e);
      throw DomainException.invalid(orBody(field), "unknown field; known fields are "
          + e.getKnownPropertyIds());
    } catch (InvalidFormatException e) {
      throw DomainException.invalid(orBody(path(e)), "wrong type or format: expected "
          + simpleType(e.getTargetType()));
    } catch (MismatchedInputException e) {
      throw DomainException.invalid(orBody(path(e)), "wrong type: expected "
          + simpleType(e.getTargetType()));
    } catch (JsonProcessingException e) {
      throw DomainException.invalid("body", "cannot be read: " + e.getOriginalMessage());
    } catch (IllegalArgumentException e) {
      if (e.getCause() instanceof JsonProcessingException jp) {
        throw DomainException.invalid("body", "cannot be read: " + jp.getOriginalMessage());
      }
      throw e;
    }
  }

  private static String orBody(String path) {
    return path.isEmpty() ? "body" : path;
  }

  private static String simpleType(Class<?> type) {
    if (type == null) {
      return "another type";
    }
    if (type == String.class) {
      return "a string";
    }
    if (Number.class.isAssignableFrom(type) || type.isPrimitive() && type != boolean.class) {
      return "a number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (List.class.isAssignableFrom(type)) {
      return "an array";
    }
    return "an object";
  }

  private static String path(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        if (!sb.isEmpty()) {
          sb.append('.');
        }
        sb.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.toString();
  }
}
