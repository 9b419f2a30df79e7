package dev.assay.e2e;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An expected output as the docs write it: JSON in which {@code ...} stands for "more fields" (or
 * more array elements), or, as a value ({@code "n": ...}), for any value; and a string containing
 * {@code ...} stands for any text in its place ({@code "key_..."}: any string starting with
 * {@code key_}; {@code "..."}: any value at all).
 * An actual value matches when every key the fragment names is present with a matching value;
 * arrays match element by element (any superset, in order, when the fragment has {@code ...}).
 */
final class JsonFragment {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String MORE = "\"\\u0000more\"";

  private final JsonNode expected;

  private JsonFragment(JsonNode expected) {
    this.expected = expected;
  }

  static JsonFragment parse(String text) {
    String json = text.replace('\u2026', '.');
    /* Each bare ... (outside strings) becomes a marker element, so the rest parses as JSON. */
    StringBuilder b = new StringBuilder();
    boolean inString = false;
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (inString) {
        b.append(c);
        if (c == '\\') {
          b.append(json.charAt(++i));
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
        b.append(c);
      } else if (json.startsWith("...", i)) {
        String before = b.toString().stripTrailing();
        /* "key": ... is any value of that key; elsewhere ... is more members or elements. */
        b.append(before.endsWith(":") ? "\"...\"" : lastOpen(b) == '{' ? MORE + ":0" : MORE);
        i += 2;
      } else {
        b.append(c);
      }
    }
    try {
      return new JsonFragment(JSON.readTree(b.toString()));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("expected output is not JSON with '...': " + text + " (" + e.getOriginalMessage() + ")", e);
    }
  }

  /** Index of the character that closes the first JSON value in {@code s}, or -1. */
  static int balancedEnd(CharSequence s) {
    int depth = 0;
    boolean inString = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        depth++;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        return i;
      }
    }
    return -1;
  }

  private static char lastOpen(CharSequence s) {
    int depth = 0;
    boolean inString = false;
    for (int i = s.length() - 1; i >= 0; i--) {
      char c = s.charAt(i);
      if (c == '"' && (i == 0 || s.charAt(i - 1) != '\\')) {
        inString = !inString;
      } else if (!inString && (c == '}' || c == ']')) {
        depth++;
      } else if (!inString && (c == '{' || c == '[')) {
        if (depth-- == 0) {
          return c;
        }
      }
    }
    return ' ';
  }

  boolean isError() {
    return expected.has("error");
  }

  /** The differences between this fragment and {@code actual}, one sentence each; empty when it matches. */
  List<String> mismatches(JsonNode actual) {
    List<String> out = new ArrayList<>();
    compare("$", expected, actual, out);
    return out;
  }

  private static void compare(String at, JsonNode want, JsonNode got, List<String> out) {
    if (want.isTextual() && want.asText().contains("...")) {
      String[] parts = want.asText().split(Pattern.quote("..."), -1);
      StringBuilder regex = new StringBuilder("(?s)");
      for (int i = 0; i < parts.length; i++) {
        regex.append(i == 0 ? "" : ".*").append(Pattern.quote(parts[i]));
      }
      if (want.asText().equals("...") ? got.isMissingNode() : !(got.isTextual() && got.asText().matches(regex.toString()))) {
        out.add(at + ": expected " + want + ", got " + got);
      }
    } else if (want.isObject()) {
      if (!got.isObject()) {
        out.add(at + ": expected an object, got " + got);
        return;
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getKey().equals(JSON_MORE_KEY)) {
          String child = at + "." + e.getKey();
          if (!got.has(e.getKey())) {
            out.add(child + ": missing (got " + got + ")");
          } else {
            compare(child, e.getValue(), got.get(e.getKey()), out);
          }
        }
      }
    } else if (want.isArray()) {
      compareArray(at, want, got, out);
    } else if (want.isNumber() ? !(got.isNumber() && want.decimalValue().compareTo(got.decimalValue()) == 0)
        : !want.equals(got)) {
      out.add(at + ": expected " + want + ", got " + got);
    }
  }

  private static final String JSON_MORE_KEY = "\u0000more";

  private static void compareArray(String at, JsonNode want, JsonNode got, List<String> out) {
    if (!got.isArray()) {
      out.add(at + ": expected an array, got " + got);
      return;
    }
    List<JsonNode> wanted = new ArrayList<>();
    boolean more = false;
    for (JsonNode w : want) {
      if (w.isTextual() && w.asText().equals(JSON_MORE_KEY)) {
        more = true;
      } else {
        wanted.add(w);
      }
    }
    if (!more) {
      if (wanted.size() != got.size()) {
        out.add(at + ": expected " + wanted.size() + " elements, got " + got);
        return;
      }
      for (int i = 0; i < wanted.size(); i++) {
        compare(at + "[" + i + "]", wanted.get(i), got.get(i), out);
      }
      return;
    }
    int next = 0;
    for (JsonNode w : wanted) {
      while (next < got.size() && !mismatchesOf(w, got.get(next)).isEmpty()) {
        next++;
      }
      if (next == got.size()) {
        out.add(at + ": no element matching " + w + " (in order) in " + got);
        return;
      }
      next++;
    }
  }

  private static List<String> mismatchesOf(JsonNode want, JsonNode got) {
    List<String> out = new ArrayList<>();
    compare("", want, got, out);
    return out;
  }

  @Override
  public String toString() {
    return expected.toString();
  }
}
