package dev.assay.server.domain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Field-level differences between two JSON documents: one change per leaf that differs, named by
 * its JSON Pointer (RFC 6901), with {@code op} {@code add}, {@code remove} or {@code replace} and
 * the values {@code from} and {@code to} (each absent where the field is). Objects are compared
 * field by field (in name order), arrays element by element at the same index, so an element
 * inserted at the front of an array shows as every later element replaced and one added at the end.
 */
public final class JsonDiff {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private JsonDiff() {}

  /** The changes that turn {@code from} into {@code to}; empty when they are equal. */
  public static ArrayNode changes(JsonNode from, JsonNode to) {
    ArrayNode out = F.arrayNode();
    walk("", from, to, out);
    return out;
  }

  /* a or b is null where the field is absent on that side (JsonNode.get's convention). */
  private static void walk(String path, JsonNode a, JsonNode b, ArrayNode out) {
    if (a == null && b == null) {
      return;
    }
    if (a == null || b == null) {
      change(out, a == null ? "add" : "remove", path, a, b);
    } else if (a.isObject() && b.isObject()) {
      Map<String, JsonNode> left = fields(a);
      Map<String, JsonNode> right = fields(b);
      TreeSet<String> names = new TreeSet<>(left.keySet());
      names.addAll(right.keySet());
      for (String name : names) {
        walk(path + "/" + escape(name), left.get(name), right.get(name), out);
      }
    } else if (a.isArray() && b.isArray()) {
      for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
        walk(path + "/" + i, a.get(i), b.get(i), out);
      }
    } else if (!a.equals(b)) {
      change(out, "replace", path, a, b);
    }
  }

  private static void change(ArrayNode out, String op, String path, JsonNode from, JsonNode to) {
    ObjectNode c = out.addObject();
    c.put("path", path.isEmpty() ? "/" : path);
    c.put("op", op);
    if (from != null) {
      c.set("from", from);
    }
    if (to != null) {
      c.set("to", to);
    }
  }

  /* A generic walk over any two documents, not a read of an entity's fields: by iteration, not by name. */
  private static Map<String, JsonNode> fields(JsonNode object) {
    Map<String, JsonNode> out = new HashMap<>();
    object.fields().forEachRemaining(f -> out.put(f.getKey(), f.getValue()));
    return out;
  }

  private static String escape(String name) {
    return name.replace("~", "~0").replace("/", "~1");
  }
}
