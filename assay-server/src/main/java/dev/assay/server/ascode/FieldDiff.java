package dev.assay.server.ascode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The field-level difference of two file documents, with paths in file names
 * ({@code variants[1].allocation}); the user's own values (a condition, a config) compare whole.
 * Numbers compare by value (1 and 1.0 are equal).
 */
final class FieldDiff {
  /** One changed field: its value before and after (JSON null when absent). */
  record Field(String path, JsonNode before, JsonNode after) {}

  private FieldDiff() {}

  static List<Field> of(JsonNode before, JsonNode after) {
    List<Field> out = new ArrayList<>();
    walk("", before, after, out);
    return out;
  }

  private static void walk(String path, JsonNode a, JsonNode b, List<Field> out) {
    if (same(a, b)) {
      return;
    }
    String leaf = path.contains(".") ? path.substring(path.lastIndexOf('.') + 1) : path;
    boolean opaque = Names.OPAQUE.contains(Names.camel(leaf.replaceAll("\\[.*$", "")));
    if (!opaque && a.isObject() && b.isObject()) {
      TreeSet<String> names = new TreeSet<>();
      a.fieldNames().forEachRemaining(names::add);
      b.fieldNames().forEachRemaining(names::add);
      List<String> ordered = new ArrayList<>();
      b.fieldNames().forEachRemaining(ordered::add);
      names.stream().filter(n -> !ordered.contains(n)).forEach(ordered::add);
      for (String n : ordered) {
        walk(path.isEmpty() ? n : path + "." + n, orNull(a.get(n)), orNull(b.get(n)), out);
      }
      return;
    }
    if (!opaque && a.isArray() && b.isArray()) {
      for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
        walk(path + "[" + i + "]", orNull(a.get(i)), orNull(b.get(i)), out);
      }
      return;
    }
    out.add(new Field(path, a, b));
  }

  private static JsonNode orNull(JsonNode n) {
    return n == null ? NullNode.getInstance() : n;
  }

  static boolean same(JsonNode a, JsonNode b) {
    return a.equals((x, y) -> x.isNumber() && y.isNumber() ? x.decimalValue().compareTo(y.decimalValue())
        : x.equals(y) ? 0 : 1, b);
  }
}
