package dev.assay.stats.vectors;

import dev.assay.stats.StatsException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Compares the engine's output for a reference case with the case's expected values, by the rule
 * of the {@code stat-vectors.json} format: a number passes if |got − expected| ≤ abs + rel·|expected|;
 * integers must match exactly; {@code null} expects "undefined"; objects and arrays are compared
 * field by field. Fields the case does not expect are ignored.
 */
public final class VectorCheck {

  private VectorCheck() {}

  /** Result of checking one case: its id and the mismatches (empty when it passes). */
  public record Outcome(String id, String kind, List<String> mismatches, double maxRelativeError) {
    public boolean passed() {
      return mismatches.isEmpty();
    }
  }

  /**
   * Runs one case (a map with {@code id, kind, input, expected, tolerance}) through {@link
   * ReferenceVectors} and compares. An input the engine rejects is reported as a mismatch.
   */
  @SuppressWarnings("unchecked")
  public static Outcome run(Map<String, Object> testCase) {
    String id = String.valueOf(testCase.get("id"));
    String kind = String.valueOf(testCase.get("kind"));
    Object tol = testCase.get("tolerance");
    double rel = 1e-9;
    double abs = 1e-12;
    if (tol instanceof Map<?, ?> t) {
      rel = t.get("rel") instanceof Number n ? n.doubleValue() : rel;
      abs = t.get("abs") instanceof Number n ? n.doubleValue() : abs;
    }
    List<String> mismatches = new ArrayList<>();
    if (!(testCase.get("input") instanceof Map<?, ?> input)) {
      mismatches.add(id + ": case has no input object");
      return new Outcome(id, kind, mismatches, Double.NaN);
    }
    Map<String, Object> got;
    try {
      got = ReferenceVectors.compute(kind, (Map<String, Object>) input);
    } catch (StatsException e) {
      mismatches.add(id + ": " + e.getMessage());
      return new Outcome(id, kind, mismatches, Double.NaN);
    }
    double[] worst = {0};
    compare(id, testCase.get("expected"), got, rel, abs, mismatches, worst);
    return new Outcome(id, kind, mismatches, worst[0]);
  }

  /** Appends to {@code failures} every way {@code got} differs from {@code expected}. */
  public static void compare(String path, @Nullable Object expected, @Nullable Object got, double rel,
      double abs, List<String> failures) {
    compare(path, expected, got, rel, abs, failures, new double[1]);
  }

  /** As above, also keeping in {@code worst[0]} the largest relative error of a compared number. */
  private static void compare(String path, @Nullable Object expected, @Nullable Object got, double rel,
      double abs, List<String> failures, double[] worst) {
    if (expected == null) {
      if (got != null && !(got instanceof Double d && Double.isNaN(d))) {
        failures.add(path + ": expected null (undefined), got " + got);
      }
    } else if (expected instanceof Map<?, ?> em) {
      if (!(got instanceof Map<?, ?> gm)) {
        failures.add(path + ": expected an object, got " + got);
        return;
      }
      for (Map.Entry<?, ?> e : em.entrySet()) {
        if (!gm.containsKey(e.getKey())) {
          failures.add(path + "." + e.getKey() + ": missing");
        } else {
          compare(path + "." + e.getKey(), e.getValue(), gm.get(e.getKey()), rel, abs, failures, worst);
        }
      }
    } else if (expected instanceof List<?> el) {
      if (!(got instanceof List<?> gl) || gl.size() != el.size()) {
        failures.add(path + ": expected " + el + ", got " + got);
        return;
      }
      for (int i = 0; i < el.size(); i++) {
        compare(path + "[" + i + "]", el.get(i), gl.get(i), rel, abs, failures, worst);
      }
    } else if (expected instanceof Integer || expected instanceof Long) {
      if (!(got instanceof Integer || got instanceof Long)
          || ((Number) got).longValue() != ((Number) expected).longValue()) {
        failures.add(path + ": expected integer " + expected + ", got " + got);
      }
    } else if (expected instanceof Number en) {
      if (!(got instanceof Number gn)) {
        failures.add(path + ": expected " + expected + ", got " + got);
        return;
      }
      double e = en.doubleValue();
      double g = gn.doubleValue();
      if (e != 0 && Math.abs(e) > abs) {
        worst[0] = Math.max(worst[0], Math.abs(g - e) / Math.abs(e));
      }
      if (!(Math.abs(g - e) <= abs + rel * Math.abs(e))) {
        failures.add(path + ": expected " + e + ", got " + g + " (diff " + (g - e) + ")");
      }
    } else if (!expected.equals(got)) {
      failures.add(path + ": expected " + expected + ", got " + got);
    }
  }
}
