package dev.assay.stats;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Runs the sequential and SRM cases of the shared reference vectors with their tolerances. */
class SequentialVectorsTest {

  private static final Set<String> KINDS =
      Set.of(
          "msprt_normal",
          "msprt_normal_sequence",
          "msprt_tau_choice",
          "asymptotic_cs",
          "statsig_sequential",
          "gst_boundaries",
          "srm_chisq",
          "srm_sequential_dirichlet");

  static Stream<Map<String, Object>> cases() throws IOException {
    Path file =
        Path.of(System.getProperty("assay.shared.dir", "/work/shared"), "vectors", "stat-vectors.json");
    Map<String, Object> doc =
        new ObjectMapper().readValue(file.toFile(), new TypeReference<Map<String, Object>>() {});
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> cases = (List<Map<String, Object>>) doc.get("cases");
    List<Map<String, Object>> mine =
        cases.stream().filter(c -> KINDS.contains((String) c.get("kind"))).toList();
    assertThat(mine).hasSizeGreaterThanOrEqualTo(28);
    return mine.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  @SuppressWarnings("unchecked")
  void compute_referenceCase_matchesExpectedWithinTolerance(Map<String, Object> c) {
    Map<String, Object> expected = (Map<String, Object>) c.get("expected");
    Map<String, Object> tolerance = (Map<String, Object>) c.get("tolerance");
    double rel = ((Number) tolerance.get("rel")).doubleValue();
    double abs = ((Number) tolerance.get("abs")).doubleValue();
    Map<String, Object> got =
        ReferenceVectors.compute((String) c.get("kind"), (Map<String, Object>) c.get("input"));
    List<String> failures = new ArrayList<>();
    compare(c.get("id") + "", expected, got, rel, abs, failures);
    assertThat(failures).as("mismatches").isEmpty();
  }

  @SuppressWarnings("unchecked")
  private static void compare(
      String path, Object expected, Object got, double rel, double abs, List<String> failures) {
    if (expected == null) {
      if (got != null) {
        failures.add(path + ": expected null, got " + got);
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
          compare(path + "." + e.getKey(), e.getValue(), gm.get(e.getKey()), rel, abs, failures);
        }
      }
    } else if (expected instanceof List<?> el) {
      if (!(got instanceof List<?> gl) || gl.size() != el.size()) {
        failures.add(path + ": expected " + el + ", got " + got);
        return;
      }
      for (int i = 0; i < el.size(); i++) {
        compare(path + "[" + i + "]", el.get(i), gl.get(i), rel, abs, failures);
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
      if (!(Math.abs(g - e) <= abs + rel * Math.abs(e))) {
        failures.add(path + ": expected " + e + ", got " + g + " (diff " + (g - e) + ")");
      }
    } else if (!expected.equals(got)) {
      failures.add(path + ": expected " + expected + ", got " + got);
    }
  }
}
