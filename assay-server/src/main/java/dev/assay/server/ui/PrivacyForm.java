package dev.assay.server.ui;

import dev.assay.server.events.IngestRules;
import dev.assay.server.privacy.PrivacySettings;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The privacy settings form of {@link PrivacyPages}: its inputs ({@code consent}, {@code
 * minCellUnits}, {@code epsilonBudget}, and rows {@code redaction.N.name|rule|length} and {@code
 * retention.N.name|days}), filled from stored settings, and read back into the values of a {@link
 * PrivacySettings}. Only what the domain cannot see is checked here (a number that is not one, a
 * row without a name, a name twice); the rest (k = 0, an unknown rule, a negative retention) is
 * the domain's validation, whose field path ({@code redactions.email}) {@link Parsed#inputOf} maps
 * to the row's input.
 */
final class PrivacyForm {
  static final String REDACTION = "redaction";
  static final String RETENTION = "retention";
  static final List<String> CONSENTS = List.of("keep", "strip", "drop");
  static final List<String> RULES = List.of("hash", "truncate", "drop");
  /** Empty rows offered below the filled ones, for new entries. */
  private static final int BLANK_ROWS = 2;

  private PrivacyForm() {}

  /**
   * What the form said. {@code errors} is by input (non-empty: nothing else is meaningful);
   * {@code inputOf} maps a domain field path to the input it came from.
   */
  record Parsed(IngestRules.WithoutConsent consent, Map<String, String> redactions, Map<String, Integer> retention,
      int minCellUnits, double epsilonBudget, Map<String, String> errors, Map<String, String> inputOf) {}

  /** The form showing these settings. */
  static Form of(PrivacySettings s) {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("consent", s.consent().name().toLowerCase(Locale.ROOT));
    f.put("minCellUnits", Integer.toString(s.minCellUnits()));
    f.put("epsilonBudget", Double.toString(s.epsilonBudget()));
    int i = 0;
    for (Map.Entry<String, String> r : s.redactions().entrySet()) {
      f.put(REDACTION + "." + i + ".name", r.getKey());
      boolean truncate = r.getValue().startsWith("truncate:");
      f.put(REDACTION + "." + i + ".rule", truncate ? "truncate" : r.getValue());
      f.put(REDACTION + "." + i + ".length", truncate ? r.getValue().substring("truncate:".length()) : "");
      i++;
    }
    i = 0;
    for (Map.Entry<String, Integer> r : s.retentionDays().entrySet()) {
      f.put(RETENTION + "." + i + ".name", r.getKey());
      f.put(RETENTION + "." + i + ".days", Integer.toString(r.getValue()));
      i++;
    }
    return Form.of(f);
  }

  /** The rows of a table in the form (those it has, then blank ones). */
  static List<PrivacyPages.Row> rows(Form f, String table) {
    String second = table.equals(REDACTION) ? ".rule" : ".days";
    List<PrivacyPages.Row> out = new ArrayList<>();
    int n = count(f, table);
    for (int i = 0; i < n + BLANK_ROWS; i++) {
      String p = table + "." + i;
      out.add(new PrivacyPages.Row(i, f.get(p + ".name"), f.get(p + second), f.get(p + ".length")));
    }
    return out;
  }

  /** The names of the form's inputs (where field errors can be shown). */
  static Set<String> inputs(Form f) {
    Set<String> out = new HashSet<>(Set.of("consent", "minCellUnits", "epsilonBudget"));
    for (int i = 0; i < count(f, REDACTION) + BLANK_ROWS; i++) {
      out.addAll(Set.of(REDACTION + "." + i + ".name", REDACTION + "." + i + ".rule", REDACTION + "." + i + ".length"));
    }
    for (int i = 0; i < count(f, RETENTION) + BLANK_ROWS; i++) {
      out.addAll(Set.of(RETENTION + "." + i + ".name", RETENTION + "." + i + ".days"));
    }
    return out;
  }

  private static int count(Form f, String table) {
    int n = 0;
    while (f.has(table + "." + n + ".name")) {
      n++;
    }
    return n;
  }

  /** Reads the posted form. */
  static Parsed parse(Form f) {
    Map<String, String> errors = new LinkedHashMap<>();
    Map<String, String> inputOf = new LinkedHashMap<>();
    IngestRules.WithoutConsent consent = IngestRules.WithoutConsent.KEEP;
    String c = f.get("consent");
    if (CONSENTS.contains(c)) {
      consent = IngestRules.WithoutConsent.valueOf(c.toUpperCase(Locale.ROOT));
    } else {
      errors.put("consent", "must be keep, strip or drop, was '" + c + "'");
    }
    int k = (int) number(f, "minCellUnits", true, "a whole number from 1 to 1000000", errors);
    double budget = number(f, "epsilonBudget", false, "a number above 0 and at most 100", errors);
    Map<String, String> redactions = new LinkedHashMap<>();
    for (int i = 0; i < count(f, REDACTION); i++) {
      String p = REDACTION + "." + i;
      String rule = f.get(p + ".rule");
      String value = rule.equals("truncate") ? "truncate:" + f.get(p + ".length") : rule;
      String name = name(f, p, !f.get(p + ".length").isEmpty(), redactions.keySet(), errors);
      if (name != null) {
        redactions.put(name, value);
        inputOf.put("redactions." + name, p + (rule.equals("truncate") ? ".length" : ".rule"));
      }
    }
    Map<String, Integer> retention = new LinkedHashMap<>();
    for (int i = 0; i < count(f, RETENTION); i++) {
      String p = RETENTION + "." + i;
      String name = name(f, p, !f.get(p + ".days").isEmpty(), retention.keySet(), errors);
      if (name != null) {
        retention.put(name, (int) number(f, p + ".days", true, "a whole number of days from 1 to 36500", errors));
        inputOf.put("retentionDays." + name, p + ".days");
      }
    }
    return new Parsed(consent, redactions, retention, k, budget, errors, inputOf);
  }

  /* A row's name: null for a blank row (an error when the row has a value), or a name seen before. */
  private static String name(Form f, String row, boolean hasValue, Set<String> seen, Map<String, String> errors) {
    String name = f.get(row + ".name");
    if (name.isEmpty()) {
      if (hasValue) {
        errors.put(row + ".name", "is required: the name this row applies to");
      }
      return null;
    }
    if (seen.contains(name)) {
      errors.put(row + ".name", "'" + name + "' appears twice; keep one row per name");
      return null;
    }
    return name;
  }

  /* A number input: whole or decimal; an error (and 0) when it is empty or not a finite number. */
  private static double number(Form f, String input, boolean whole, String what, Map<String, String> errors) {
    String text = f.get(input);
    try {
      double d = whole ? Integer.parseInt(text) : Double.parseDouble(text);
      if (Double.isFinite(d)) {
        return d;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    errors.put(input, (text.isEmpty() ? "is required: " : "must be ") + what + (text.isEmpty() ? "" : ", was '" + text + "'"));
    return 0;
  }
}
