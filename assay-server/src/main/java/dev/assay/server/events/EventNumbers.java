package dev.assay.server.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The bounds on an event's numbers (see {@link EventParser#MAX_ABS_VALUE}): the metric value, the
 * top-level numbers of its properties (and strings that read as numbers), and numbers nested
 * anywhere that a double cannot hold. A number out of range makes the whole batch a 400.
 */
final class EventNumbers {
  private EventNumbers() {}

  /* An invalid number: the batch is refused. */
  static final class NumberOutOfRange extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    final String field;

    NumberOutOfRange(String field) {
      this(field, "must be a finite number between -" + BOUND + " and " + BOUND);
    }

    NumberOutOfRange(String field, String reason) {
      super(field + ": " + reason);
      this.field = field;
    }
  }

  private static final String BOUND = "1e15";

  static boolean inRange(double v) {
    return Math.abs(v) <= EventParser.MAX_ABS_VALUE; // false for NaN and infinities too
  }

  /*
   * A metric may be valued by a property (valueProperty), and warehouses cast a numeric string to
   * a number too, so the top-level numbers of the properties — and strings that read as numbers —
   * obey the same bound as the value.
   */
  static void checkNumbers(Object properties) {
    if (!(properties instanceof ObjectNode o)) {
      return;
    }
    var fields = o.fields();
    while (fields.hasNext()) {
      var f = fields.next();
      JsonNode v = f.getValue();
      boolean bad = v.isNumber() ? !inRange(v.asDouble()) : v.isTextual() && numericOutOfRange(v.asText());
      if (bad) {
        throw new NumberOutOfRange("properties." + f.getKey());
      }
      if (v.isContainerNode()) {
        nonFinite(v, "properties." + f.getKey());
      }
    }
  }

  /* Nested numbers are not bounded (no metric reads them), but one a double cannot hold is refused. */
  static void nonFinite(Object node, String field) {
    if (node instanceof JsonNode n) {
      dev.assay.server.domain.Json.nonFinite(n).ifPresent(path -> {
        throw new NumberOutOfRange(path.isEmpty() || path.startsWith("[") ? field + path : field + "." + path,
            "must be a finite number");
      });
    }
  }

  private static boolean numericOutOfRange(String s) {
    String t = s.strip().toLowerCase(java.util.Locale.ROOT);
    if (t.isEmpty() || t.length() > 400) {
      return false;
    }
    String unsigned = t.charAt(0) == '+' || t.charAt(0) == '-' ? t.substring(1) : t;
    if (unsigned.equals("inf") || unsigned.equals("infinity") || unsigned.equals("nan")) {
      return true;
    }
    char c = unsigned.isEmpty() ? 'x' : unsigned.charAt(0);
    if (!(Character.isDigit(c) || c == '.')) {
      return false;
    }
    try {
      return !inRange(Double.parseDouble(t));
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
