package dev.assay.sdk;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * JSON to plain Java values and back, on Jackson's streaming parser (the SDK's only dependency).
 *
 * <p>Objects become {@link LinkedHashMap} (key order kept), arrays {@link ArrayList}, integral
 * numbers that fit {@link Long}, other numbers {@link Double}, and JSON null Java {@code null}.
 * Output follows JavaScript's {@code JSON.stringify}: integral doubles print without a fraction,
 * so a value round-trips the way a GrowthBook SDK in another language would print it.
 */
final class Json {

  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder().maxNestingDepth(200).maxStringLength(20_000_000).build())
          .build();

  private Json() {}

  static @Nullable Object parse(String json) {
    try (JsonParser p = FACTORY.createParser(json)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        throw new PayloadException("$", "empty document");
      }
      Object value = read(p);
      if (p.nextToken() != null) {
        throw new PayloadException("$", "unexpected content after the JSON value at " + location(p));
      }
      return value;
    } catch (JsonProcessingException e) {
      throw new PayloadException("$", "malformed JSON: " + e.getOriginalMessage() + " at " + location(e), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String location(JsonProcessingException e) {
    var loc = e.getLocation();
    return loc == null ? "unknown position" : "line " + loc.getLineNr() + ", column " + loc.getColumnNr();
  }

  private static String location(JsonParser p) {
    var loc = p.currentLocation();
    return "line " + loc.getLineNr() + ", column " + loc.getColumnNr();
  }

  /** Reads the value at the parser's current token. */
  static @Nullable Object read(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    switch (t) {
      case START_OBJECT: {
        Map<String, Object> map = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          p.nextToken();
          map.put(name, read(p));
        }
        return map;
      }
      case START_ARRAY: {
        List<Object> list = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          list.add(read(p));
        }
        return list;
      }
      case VALUE_STRING:
        return p.getText();
      case VALUE_NUMBER_INT:
        if (p.getNumberType() == JsonParser.NumberType.INT || p.getNumberType() == JsonParser.NumberType.LONG) {
          return p.getLongValue();
        }
        return p.getDoubleValue();
      case VALUE_NUMBER_FLOAT:
        return p.getDoubleValue();
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return null;
      default:
        throw new PayloadException("$", "unexpected token " + t + " at " + location(p));
    }
  }

  /** Serializes a plain Java value the way JavaScript's {@code JSON.stringify} would. */
  static String write(@Nullable Object value) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      write(g, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  static void write(JsonGenerator g, @Nullable Object value) throws IOException {
    if (value == null) {
      g.writeNull();
    } else if (value instanceof String s) {
      g.writeString(s);
    } else if (value instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (value instanceof Number n) {
      writeNumber(g, n);
    } else if (value instanceof Map<?, ?> m) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        g.writeFieldName(String.valueOf(e.getKey()));
        write(g, e.getValue());
      }
      g.writeEndObject();
    } else if (value instanceof List<?> l) {
      g.writeStartArray();
      for (Object o : l) {
        write(g, o);
      }
      g.writeEndArray();
    } else if (value instanceof Attributes a) {
      write(g, a.asMap());
    } else {
      g.writeString(value.toString());
    }
  }

  private static void writeNumber(JsonGenerator g, Number n) throws IOException {
    if (n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte) {
      g.writeNumber(n.longValue());
      return;
    }
    double d = n.doubleValue();
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      g.writeNull(); // JSON.stringify(NaN) === "null"
    } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      g.writeNumber((long) d);
    } else {
      g.writeNumber(d);
    }
  }

  /** JavaScript's {@code String(value)} for the values conditions and hashing see. */
  static String jsString(@Nullable Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof Number n) {
      return jsNumber(n);
    }
    if (value instanceof Boolean b) {
      return b.toString();
    }
    if (value instanceof List<?> l) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        Object o = l.get(i);
        if (o != null) {
          sb.append(jsString(o));
        }
      }
      return sb.toString();
    }
    return "[object Object]";
  }

  static String jsNumber(Number n) {
    if (n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte) {
      return Long.toString(n.longValue());
    }
    double d = n.doubleValue();
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e21) {
      return Math.abs(d) < 1e15 ? Long.toString((long) d) : new java.math.BigDecimal(d).toPlainString();
    }
    String s = Double.toString(d);
    return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
  }
}
