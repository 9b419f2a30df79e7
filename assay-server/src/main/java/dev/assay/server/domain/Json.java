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
  /** Deepest nesting of arrays and objects a body may have. */
  public static final int MAX_DEPTH = 64;
  /** Longest string value a body may have, in characters. */
  public static final int MAX_STRING = 2_000_000;
  /* Where Jackson's message says what it expected; "Unexpected" does not match. */
  private static final java.util.regex.Pattern EXPECTED = java.util.regex.Pattern.compile("\\b(was expecting|expected)\\b");

  private Json() {}

  private static ObjectMapper strictMapper() {
    JsonMapper mapper = JsonMapper.builder()
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .addModule(new com.fasterxml.jackson.datatype.jdk8.Jdk8Module())
        .build();
    mapper.getFactory().setStreamReadConstraints(
        StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).maxStringLength(MAX_STRING).build());
    mapper.coercionConfigFor(LogicalType.Textual)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    return mapper;
  }

  /**
   * Parses a request body; malformed JSON becomes an error naming the position, and a number JSON
   * can write but a double cannot hold ({@code 1e999}, read as infinity) an error naming its field.
   */
  public static JsonNode parse(byte[] body) {
    JsonNode node;
    try {
      node = MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      String why = syntaxError(e);
      throw new DomainException(DomainException.Category.INVALID, "malformed_json",
          "request body is not valid JSON " + why, List.of(new DomainException.Detail("body", "not valid JSON " + why)));
    } catch (java.io.IOException e) {
      throw new DomainException(DomainException.Category.INVALID, "malformed_json",
          "request body could not be read", List.of());
    }
    if (node == null || node.isMissingNode()) {
      throw new DomainException(DomainException.Category.INVALID, "malformed_json",
          "request body is empty; expected a JSON object", List.of(new DomainException.Detail("body", "is empty")));
    }
    nonFinite(node).ifPresent(path -> {
      throw DomainException.invalid(orBody(path), "must be a finite number (JSON has no infinity or NaN)");
    });
    return node;
  }

  /**
   * Where and why a body is not JSON, in the client's terms: {@code at line L, column C: <what was
   * expected>}. Jackson's own message names its classes and features and, for the source, a
   * redaction notice; none of that is the client's business.
   */
  public static String syntaxError(JsonProcessingException e) {
    var loc = e.getLocation();
    String where = loc == null || loc.getLineNr() < 0 ? "" : "at line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": ";
    return where + reason(e);
  }

  private static String reason(JsonProcessingException e) {
    String m = String.valueOf(e.getOriginalMessage());
    if (e instanceof com.fasterxml.jackson.core.exc.StreamConstraintsException) {
      var limit = java.util.regex.Pattern.compile("maximum allowed \\((\\d+)").matcher(m);
      String n = limit.find() ? limit.group(1) : "the allowed";
      return m.contains("depth") ? "nested deeper than " + n + " levels"
          : m.startsWith("String") ? "a string longer than " + n + " characters"
          : m.startsWith("Number") ? "a number longer than " + n + " digits" : "a field name longer than " + n + " characters";
    }
    if (m.startsWith("Trailing token")) {
      return "expected the end of input after the JSON value";
    }
    if (m.startsWith("Non-standard token")) {
      return "expected a JSON value (NaN and Infinity are not JSON numbers)";
    }
    if (e instanceof com.fasterxml.jackson.core.io.JsonEOFException || m.startsWith("Unexpected end-of-input")) {
      return "unexpected end of input";
    }
    if (m.contains("Illegal unquoted character") || m.contains("CTRL-CHAR")) {
      return "expected a string without unescaped control characters";
    }
    if (m.startsWith("Duplicate field")) {
      int q = m.indexOf('\'');
      return "duplicate field" + (q < 0 ? "" : " " + m.substring(q, m.indexOf('\'', q + 1) + 1));
    }
    var expected = EXPECTED.matcher(m);
    if (expected.find()) {
      String what = m.substring(expected.start()).replaceFirst("^was expecting", "expected");
      for (String internal : List.of(" (for ", "[Source", "`", "\n")) {
        int cut = what.indexOf(internal);
        what = cut < 0 ? what : what.substring(0, cut);
      }
      return what.strip();
    }
    return "expected a JSON value";
  }

  /**
   * The path ({@code rules[0].value}; empty for the root) of the first number in {@code node} that a
   * double cannot hold ({@code 1e999} reads as infinity), if any.
   */
  public static java.util.Optional<String> nonFinite(JsonNode node) {
    return nonFinite(node, "");
  }

  private static java.util.Optional<String> nonFinite(JsonNode node, String path) {
    if (node.isNumber() && !Double.isFinite(node.doubleValue())) {
      return java.util.Optional.of(path);
    }
    java.util.Optional<String> found = java.util.Optional.empty();
    if (node.isObject()) {
      for (var fields = node.fields(); fields.hasNext() && found.isEmpty(); ) {
        var f = fields.next();
        found = nonFinite(f.getValue(), path.isEmpty() ? f.getKey() : path + "." + f.getKey());
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size() && found.isEmpty(); i++) {
        found = nonFinite(node.get(i), path + "[" + i + "]");
      }
    }
    return found;
  }

  /** Binds a JSON object to a record, translating Jackson's failures into field errors. */
  public static <T> T bind(JsonNode node, Class<T> type) {
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
