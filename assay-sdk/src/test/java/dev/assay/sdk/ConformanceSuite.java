package dev.assay.sdk;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The GrowthBook SDK conformance suite ({@code conformance/growthbook-cases.json}, vendored in this
 * module's test resources), read as plain JSON values, and a tally of passes per section printed
 * when the tests finish. {@code -Dassay.shared.dir=DIR} reads {@code DIR/conformance/...} instead.
 */
final class ConformanceSuite {

  private static final Map<String, Object> CASES = load();
  private static final Map<String, AtomicInteger[]> TALLY = new ConcurrentHashMap<>();
  private static final Map<String, Map<String, AtomicInteger>> SKIPS = new ConcurrentHashMap<>();

  private ConformanceSuite() {}

  private static final String RESOURCE = "conformance/growthbook-cases.json";

  /** Where the cases come from: the override directory's file, or the classpath resource. */
  static String source() {
    return overrideFile().map(f -> f.toAbsolutePath().toString()).orElse("classpath:" + RESOURCE);
  }

  private static Optional<Path> overrideFile() {
    String dir = System.getProperty("assay.shared.dir", "");
    return dir.isBlank() ? Optional.empty() : Optional.of(Path.of(dir).resolve(RESOURCE));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> load() {
    try (InputStream in = open()) {
      return new ObjectMapper().readValue(in, Map.class);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the conformance suite at " + source(), e);
    }
  }

  private static InputStream open() throws IOException {
    Optional<Path> file = overrideFile();
    if (file.isPresent()) {
      return Files.newInputStream(file.get());
    }
    InputStream in = ConformanceSuite.class.getClassLoader().getResourceAsStream(RESOURCE);
    if (in == null) {
      throw new IOException("resource " + RESOURCE + " is not on the test classpath");
    }
    return in;
  }

  /** The names of the suite's sections (every key but {@code specVersion}). */
  static java.util.Set<String> sectionNames() {
    java.util.Set<String> names = new java.util.TreeSet<>(CASES.keySet());
    names.remove("specVersion");
    return names;
  }

  @SuppressWarnings("unchecked")
  static List<List<Object>> section(String name) {
    Object s = CASES.get(name);
    if (s == null) {
      throw new IllegalStateException("conformance section '" + name + "' is missing from " + source());
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

  /** Counts a case skipped by design, with the reason. */
  static void recordSkip(String section, String reason) {
    SKIPS.computeIfAbsent(section, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(reason, k -> new AtomicInteger()).incrementAndGet();
  }

  /** E.g. {@code conformance feature: 51/51 passed, 4 skipped (contextual bandits ...)}. */
  static String tally(String section) {
    AtomicInteger[] t = TALLY.get(section);
    StringBuilder sb = new StringBuilder("conformance " + section + ": ");
    sb.append(t == null ? "not run" : t[0].get() + "/" + t[1].get() + " passed");
    SKIPS.getOrDefault(section, Map.of()).forEach((why, n) ->
        sb.append(", ").append(n.get()).append(" skipped (").append(why).append(')'));
    return sb.toString();
  }
}
