package dev.assay.stats.vectors;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of the reference vectors ({@code vectors/stat-vectors.json}, vendored in this module's
 * test resources; values computed independently with SciPy and checked against R and published
 * tables), with the file's tolerance rule. {@code -Dassay.shared.dir=DIR} reads
 * {@code DIR/vectors/stat-vectors.json} instead.
 */
class StatVectorsTest {

  private static final String RESOURCE = "vectors/stat-vectors.json";

  static List<Map<String, Object>> cases() throws IOException {
    Map<String, Object> doc;
    try (InputStream in = open()) {
      doc = new ObjectMapper().readValue(in, new TypeReference<Map<String, Object>>() {});
    }
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> cases = (List<Map<String, Object>>) doc.get("cases");
    return cases;
  }

  private static InputStream open() throws IOException {
    String dir = System.getProperty("assay.shared.dir", "");
    if (!dir.isBlank()) {
      return Files.newInputStream(Path.of(dir).resolve(RESOURCE));
    }
    InputStream in = StatVectorsTest.class.getClassLoader().getResourceAsStream(RESOURCE);
    if (in == null) {
      throw new IOException("resource " + RESOURCE + " is not on the test classpath");
    }
    return in;
  }

  /** Every case, named by its id and kind. */
  static Stream<Named<Map<String, Object>>> allCases() throws IOException {
    return cases().stream().map(c -> Named.of(c.get("id") + " (" + c.get("kind") + ")", c));
  }

  /** Per kind: {passed, run}. */
  private static final Map<String, int[]> TALLY = new java.util.concurrent.ConcurrentSkipListMap<>();

  @AfterAll
  static void printCounts() {
    int passed = TALLY.values().stream().mapToInt(t -> t[0]).sum();
    int run = TALLY.values().stream().mapToInt(t -> t[1]).sum();
    System.out.println("stat vectors: " + passed + "/" + run + " passed");
    TALLY.forEach((kind, t) -> System.out.println("stat vectors " + kind + ": " + t[0] + "/" + t[1] + " passed"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("allCases")
  void referenceCase_matchesExpectedWithinTolerance(Map<String, Object> testCase) {
    VectorCheck.Outcome outcome = VectorCheck.run(testCase);
    synchronized (TALLY) {
      int[] t = TALLY.computeIfAbsent(String.valueOf(testCase.get("kind")), k -> new int[2]);
      t[1]++;
      t[0] += outcome.passed() ? 1 : 0;
    }

    assertThat(outcome.mismatches()).as(outcome.id()).isEmpty();
  }

  @Test
  void everyKindInTheFile_isImplemented() throws IOException {
    Set<String> inFile = cases().stream().map(c -> (String) c.get("kind")).collect(Collectors.toCollection(TreeSet::new));

    assertThat(ReferenceVectors.kinds()).containsAll(inFile);
    assertThat(cases()).hasSizeGreaterThanOrEqualTo(75);
    assertThat(cases().stream().map(c -> c.get("id")).distinct().count()).as("ids are unique")
        .isEqualTo(cases().size());
  }
}
