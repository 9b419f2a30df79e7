package dev.assay.stats;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of the shared reference vectors ({@code ../shared/vectors/stat-vectors.json}, values
 * computed independently with SciPy and checked against R and published tables), with the file's
 * tolerance rule.
 */
class StatVectorsTest {

  static List<Map<String, Object>> cases() throws IOException {
    Path file =
        Path.of(System.getProperty("assay.shared.dir", "../../shared"), "vectors", "stat-vectors.json");
    Map<String, Object> doc =
        new ObjectMapper().readValue(file.toFile(), new TypeReference<Map<String, Object>>() {});
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> cases = (List<Map<String, Object>>) doc.get("cases");
    return cases;
  }

  static Stream<Map<String, Object>> allCases() throws IOException {
    return cases().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("allCases")
  void referenceCase_matchesExpectedWithinTolerance(Map<String, Object> testCase) {
    VectorCheck.Outcome outcome = VectorCheck.run(testCase);

    assertThat(outcome.mismatches()).as(outcome.id()).isEmpty();
  }

  @Test
  void everyKindInTheFile_isImplemented() throws IOException {
    Set<String> inFile = cases().stream().map(c -> (String) c.get("kind")).collect(Collectors.toCollection(TreeSet::new));

    assertThat(ReferenceVectors.kinds()).containsAll(inFile);
    assertThat(cases()).hasSizeGreaterThanOrEqualTo(75);
  }
}
