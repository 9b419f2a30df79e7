package dev.assay.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;

/**
 * Prints the answer of {@code POST /api/v1/as-code/plan|apply} the way terraform prints a plan:
 * {@code + create}, {@code ~ update} with one {@code path: before -> after} line per changed field,
 * {@code - delete}, the unchanged resources as a count (each listed with {@code --verbose}), and a
 * summary line. An event schema's update says whether it is a compatible change or a breaking one
 * declared as the next version.
 */
final class PlanView {
  private PlanView() {}

  /** True when the plan creates, updates or deletes something. */
  static boolean hasChanges(JsonNode answer) {
    JsonNode s = answer.path("summary");
    return s.path("create").asLong() + s.path("update").asLong() + s.path("delete").asLong() > 0;
  }

  static void print(PrintWriter out, JsonNode answer, boolean verbose) {
    boolean applied = answer.path("applied").asBoolean(false);
    for (JsonNode c : answer.path("changes")) {
      String action = c.path("action").asText();
      String what = c.path("kind").asText() + " " + c.path("key").asText();
      String file = c.hasNonNull("file") ? "   (" + c.get("file").asText() + ")" : "";
      switch (action) {
        case "create" -> out.println("+ " + (applied ? "created " : "create ") + what + file);
        case "update" -> {
          String evolution = switch (c.path("evolution").asText("")) {
            case "compatible" -> "   [compatible change: the next schema version]";
            case "breaking" -> "   [breaking change, declared as the next schema version]";
            default -> "";
          };
          out.println("~ " + (applied ? "updated " : "update ") + what + file + evolution);
          for (JsonNode f : c.path("fields")) {
            out.println("    " + f.path("path").asText() + ": " + value(f.get("before")) + " -> " + value(f.get("after")));
          }
        }
        case "delete" -> out.println("- " + (applied ? "deleted " : "delete ") + what + file);
        case "unchanged" -> {
          if (verbose) {
            out.println("= unchanged " + what + file);
          }
        }
        default -> out.println("? " + action + " " + what + file);
      }
    }
    JsonNode s = answer.path("summary");
    long unchanged = s.path("unchanged").asLong();
    if (!verbose && unchanged > 0) {
      out.println("= " + unchanged + " unchanged");
    }
    String counts = s.path("create").asLong() + (applied ? " created, " : " to create, ")
        + s.path("update").asLong() + (applied ? " updated, " : " to update, ")
        + s.path("delete").asLong() + (applied ? " deleted, " : " to delete, ") + unchanged + " unchanged";
    String project = answer.path("project").asText("");
    if (applied) {
      out.println("Applied to project " + project + ": " + counts + ".");
    } else if (hasChanges(answer)) {
      out.println("Plan for project " + project + ": " + counts + ".");
    } else {
      out.println("No changes in project " + project + ": " + counts + ".");
    }
    out.flush();
  }

  /** A field's value: text as it is, absent as {@code (none)}, anything else as compact JSON. */
  static String value(JsonNode v) {
    if (v == null || v.isNull() || v.isMissingNode()) {
      return "(none)";
    }
    return v.isTextual() && !v.asText().isEmpty() ? v.asText() : v.toString();
  }
}
