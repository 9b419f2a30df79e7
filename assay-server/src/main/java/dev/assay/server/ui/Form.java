package dev.assay.server.ui;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fields of an {@code application/x-www-form-urlencoded} body (or a query string): every
 * value of each name in order. Missing fields read as the empty string, so templates can echo
 * what the user typed back into the form without null checks. Immutable.
 */
public final class Form {
  private final Map<String, List<String>> values;

  private Form(Map<String, List<String>> values) {
    this.values = values;
  }

  static Form empty() {
    return new Form(Map.of());
  }

  static Form parse(String encoded) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (!encoded.isEmpty()) {
      for (String pair : encoded.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String name = decode(eq < 0 ? pair : pair.substring(0, eq));
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
        out.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
      }
    }
    out.replaceAll((k, v) -> List.copyOf(v));
    return new Form(Map.copyOf(out));
  }

  /** A form with these single values (to pre-fill a form from stored data). */
  static Form of(Map<String, String> fields) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    fields.forEach((k, v) -> out.put(k, List.of(v)));
    return new Form(out);
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return "";
    }
  }

  /** The first value of the field, stripped; empty when absent. */
  public String get(String name) {
    List<String> v = values.get(name);
    return v == null || v.isEmpty() ? "" : v.get(0).strip();
  }

  /** The first value as sent (not stripped): passwords. */
  public String raw(String name) {
    List<String> v = values.get(name);
    return v == null || v.isEmpty() ? "" : v.get(0);
  }

  public List<String> all(String name) {
    return values.getOrDefault(name, List.of());
  }

  public boolean has(String name) {
    return values.containsKey(name);
  }

  /** Whether a checkbox of this name was ticked. */
  public boolean checked(String name) {
    return values.containsKey(name) && !get(name).equals("false");
  }
}
