package dev.assay.server.ui;

import dev.assay.server.domain.DomainException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Validation messages of a form, by input name. The domain's error details name the failing field
 * by its path in the API document ({@code environments.production.rules[0].coverage}); a form
 * names its inputs by the same paths, so the message the API would give appears next to the input
 * that caused it. A detail whose field no input has is shown at the top of the form.
 */
public record FormErrors(Map<String, String> byField, Optional<String> general) {
  public FormErrors {
    byField = Map.copyOf(byField);
  }

  static final FormErrors NONE = new FormErrors(Map.of(), Optional.empty());

  /** The errors of a domain failure, placed on the inputs this form has. */
  static FormErrors of(DomainException e, java.util.Set<String> inputs) {
    return of(e, inputs, Map.of());
  }

  /**
   * The errors of a domain failure on a form whose inputs are not named by the field paths: a
   * field in {@code renamed} goes to the input it maps to (a row of a name → value table).
   */
  static FormErrors of(DomainException e, java.util.Set<String> inputs, Map<String, String> renamed) {
    Map<String, String> fields = new LinkedHashMap<>();
    StringBuilder rest = new StringBuilder();
    for (DomainException.Detail d : e.details()) {
      String input = inputOf(renamed.getOrDefault(d.field(), d.field()), inputs);
      if (input != null && !fields.containsKey(input)) {
        fields.put(input, d.message());
      } else {
        rest.append(rest.isEmpty() ? "" : "; ").append(d.field()).append(": ").append(d.message());
      }
    }
    if (e.details().isEmpty()) {
      rest.append(e.getMessage());
    }
    return new FormErrors(fields, rest.isEmpty() ? Optional.empty() : Optional.of(rest.toString()));
  }

  /** One message on one input. */
  static FormErrors field(String input, String message) {
    return new FormErrors(Map.of(input, message), Optional.empty());
  }

  /* The input for a field path: itself, or the nearest enclosing path that is an input. */
  private static String inputOf(String field, java.util.Set<String> inputs) {
    String f = field;
    while (!f.isEmpty()) {
      if (inputs.contains(f)) {
        return f;
      }
      int cut = Math.max(f.lastIndexOf('.'), f.lastIndexOf('['));
      f = cut < 0 ? "" : f.substring(0, cut);
    }
    return null;
  }

  public boolean has(String input) {
    return byField.containsKey(input);
  }

  public String get(String input) {
    return byField.getOrDefault(input, "");
  }

  /** The value of the input's {@code aria-invalid}: "true", or null (no attribute) when it is fine. */
  public String invalid(String input) {
    return has(input) ? "true" : null;
  }

  public boolean any() {
    return !byField.isEmpty() || general.isPresent();
  }
}
