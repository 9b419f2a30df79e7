package dev.assay.sdk;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The GrowthBook SDK conformance suite ({@code shared/conformance/growthbook-cases.json}), read as
 * plain JSON values, and a tally of passes per section printed when the tests finish.
 */
final class ConformanceSuite {

  private static final Map<String, Object> CASES = load();
  private static final Map<String, AtomicInteger[]> TALLY = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(ConformanceSuite::printTally));
  }

  private ConformanceSuite() {}

  static Path file() {
    String dir = System.getProperty("assay.shared.dir", "../../shared");
    return Path.of(dir, "conformance", "growthbook-cases.json");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> load() {
    try {
      return new ObjectMapper().readValue(Files.readString(file()), Map.class);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the conformance suite at " + file().toAbsolutePath()
          + " (set -Dassay.shared.dir)", e);
    }
  }

  @SuppressWarnings("unchecked")
  static List<List<Object>> section(String name) {
    Object s = CASES.get(name);
    if (s == null) {
      throw new IllegalStateException("conformance section '" + name + "' is missing from " + file());
    }
    return (List<List<Object>>) s;
  }

  /** Counts a case; call with the outcome before asserting. */
  static void record(String section, boolean passed) {
    AtomicInteger[] t = TALLY.computeIfAbsent(section, k -> new AtomicInteger[] {new AtomicInteger(), new AtomicInteger()});
    t[1].incrementAndGet();
    if (passed) {
      t[0].incrementAndGet();
    }
  }

  static String tally(String section) {
    AtomicInteger[] t = TALLY.get(section);
    return t == null ? "conformance " + section + ": not run"
        : "conformance " + section + ": " + t[0].get() + "/" + t[1].get() + " passed";
  }

  private static void printTally() {
    TALLY.keySet().stream().sorted().forEach(s -> System.out.println(tally(s)));
  }
}
