package dev.assay.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Plain-text output of the remote commands: a table with aligned columns, and an entity as
 * indented {@code key: value} lines (YAML-like, nested objects indented, lists with {@code -}).
 */
final class TextTable {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  TextTable(String... header) {
    this.header = List.of(header);
  }

  TextTable row(String... cells) {
    if (cells.length != header.size()) {
      throw new IllegalArgumentException("row has " + cells.length + " cells, header " + header.size());
    }
    rows.add(List.of(cells));
    return this;
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  void print(PrintWriter out) {
    int[] width = new int[header.size()];
    for (List<String> r : concat()) {
      for (int i = 0; i < width.length; i++) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    for (List<String> r : concat()) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < width.length; i++) {
        String cell = r.get(i);
        line.append(cell);
        if (i < width.length - 1) {
          line.append(" ".repeat(width[i] - cell.length() + 2));
        }
      }
      out.println(line.toString().stripTrailing());
    }
    out.flush();
  }

  private List<List<String>> concat() {
    List<List<String>> all = new ArrayList<>(rows.size() + 1);
    all.add(header);
    all.addAll(rows);
    return all;
  }

  /** A cell: the text of a scalar, compact JSON of anything else, "-" when absent. */
  static String cell(JsonNode n) {
    if (n == null || n.isMissingNode() || n.isNull()) {
      return "-";
    }
    return n.isValueNode() ? n.asText() : n.toString();
  }

  /** Prints an entity as indented {@code key: value} lines. */
  static void printEntity(PrintWriter out, JsonNode entity) {
    print(out, entity, 0);
    out.flush();
  }

  private static void print(PrintWriter out, JsonNode node, int indent) {
    String pad = "  ".repeat(indent);
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      JsonNode v = e.getValue();
      if (v.isValueNode() || v.isEmpty()) {
        out.println(pad + e.getKey() + ": " + scalar(v));
      } else if (v.isObject()) {
        out.println(pad + e.getKey() + ":");
        print(out, v, indent + 1);
      } else {
        out.println(pad + e.getKey() + ":");
        for (JsonNode item : v) {
          printItem(out, item, indent + 1);
        }
      }
    }
  }

  private static void printItem(PrintWriter out, JsonNode item, int indent) {
    String pad = "  ".repeat(indent);
    if (!item.isObject() || item.isEmpty()) {
      out.println(pad + "- " + scalar(item));
      return;
    }
    boolean first = true;
    for (Map.Entry<String, JsonNode> e : item.properties()) {
      JsonNode v = e.getValue();
      String prefix = first ? pad + "- " : pad + "  ";
      first = false;
      if (v.isValueNode() || v.isEmpty()) {
        out.println(prefix + e.getKey() + ": " + scalar(v));
      } else {
        out.println(prefix + e.getKey() + ": " + v);
      }
    }
  }

  private static String scalar(JsonNode v) {
    if (v.isTextual()) {
      String s = v.asText();
      return s.isEmpty() || s.contains("\n") || s.contains(": ") || s.startsWith(" ") ? v.toString() : s;
    }
    return v.toString();
  }
}
