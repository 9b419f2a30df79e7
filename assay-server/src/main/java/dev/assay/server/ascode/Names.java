package dev.assay.server.ascode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Set;

/**
 * The field names of files (snake_case) and of the API and records (camelCase), converted both
 * ways through a whole document. Values that are the user's own JSON (a condition, a flag's or
 * variant's value, metric property filters) are copied as they are, and so are the keys of maps
 * keyed by entity key (a flag's {@code environments}).
 */
final class Names {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  /** Fields (camelCase) whose value is copied untouched. */
  static final Set<String> OPAQUE = Set.of("condition", "defaultValue", "value", "filters", "config");
  /** Fields (camelCase) that map entity keys to documents: keys kept, values converted. */
  private static final Set<String> KEYED_MAPS = Set.of("environments");

  private Names() {}

  static String snake(String camel) {
    StringBuilder b = new StringBuilder();
    for (char c : camel.toCharArray()) {
      if (Character.isUpperCase(c)) {
        b.append('_').append(Character.toLowerCase(c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  static String camel(String snake) {
    StringBuilder b = new StringBuilder();
    boolean up = false;
    for (char c : snake.toCharArray()) {
      if (c == '_') {
        up = true;
      } else {
        b.append(up ? Character.toUpperCase(c) : c);
        up = false;
      }
    }
    return b.toString();
  }

  /** A file document's fields in API names. */
  static JsonNode toApi(JsonNode node) {
    return convert(node, true);
  }

  /**
   * A record's document in file names, leaving out what reads back the same when absent: null,
   * empty strings, empty lists and maps (outside the user's own values).
   */
  static JsonNode toFile(JsonNode node) {
    return convert(node, false);
  }

  private static JsonNode convert(JsonNode node, boolean toApi) {
    if (node.isArray()) {
      ArrayNode out = F.arrayNode();
      node.forEach(n -> out.add(convert(n, toApi)));
      return out;
    }
    if (!node.isObject()) {
      return node.deepCopy();
    }
    ObjectNode out = F.objectNode();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      String api = toApi ? camel(e.getKey()) : e.getKey();
      String name = toApi ? api : snake(e.getKey());
      JsonNode v = e.getValue();
      if (!toApi && empty(v)) {
        continue;
      }
      if (OPAQUE.contains(api)) {
        out.set(name, v.deepCopy());
      } else if (KEYED_MAPS.contains(api) && v.isObject()) {
        ObjectNode map = out.putObject(name);
        v.properties().forEach(m -> map.set(m.getKey(), convert(m.getValue(), toApi)));
      } else {
        out.set(name, convert(v, toApi));
      }
    }
    return out;
  }

  private static boolean empty(JsonNode v) {
    return v.isNull() || v.isMissingNode() || (v.isTextual() && v.asText().isEmpty())
        || ((v.isArray() || v.isObject()) && v.isEmpty());
  }

  /** An API field path ({@code variants[1].hashAttribute}) in file names. */
  static String filePath(String apiPath) {
    StringBuilder b = new StringBuilder();
    for (String part : apiPath.split("\\.", -1)) {
      if (b.length() > 0) {
        b.append('.');
      }
      b.append(snake(part));
    }
    return b.toString();
  }
}
