package dev.assay.testsupport;

import com.github.javaparser.ParserConfiguration;
import com.github.javaparser.StaticJavaParser;
import com.github.javaparser.ast.CompilationUnit;
import com.github.javaparser.ast.Node;
import com.github.javaparser.ast.body.CallableDeclaration;
import com.github.javaparser.ast.body.CompactConstructorDeclaration;
import com.github.javaparser.ast.body.TypeDeclaration;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No class in any module's main code is over {@value #MAX_CLASS_LINES} lines and no method or
 * constructor over {@value #MAX_METHOD_LINES}, except the offenders of today listed in
 * {@code assay-test-support/size-allowlist.txt} with their current size, which may only shrink.
 * Sizes are line spans of the declaration as JavaParser sees it (annotations to closing brace; a
 * class's nested types count in it; the Javadoc before it does not). The test fails when a new
 * offender appears, when a listed one grows, and when a listed entry has shrunk or is no longer
 * needed (then {@code -Dassay.size.accept=true} rewrites the list, lowering or dropping entries,
 * never adding or raising one).
 */
class SourceSizeTest {
  static final int MAX_CLASS_LINES = 400;
  static final int MAX_METHOD_LINES = 80;
  private static final String ACCEPT = "assay.size.accept";
  private static final Path ROOT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
  private static final Path ALLOW_LIST = ROOT.resolve("assay-test-support/size-allowlist.txt");

  @Test
  void mainSources_stayWithinTheSizeLimitsOrTheirAllowListedSize() throws IOException {
    Map<String, Integer> offenders = offenders(ROOT);
    Map<String, Integer> allowed = readAllowList();
    List<String> failures = new ArrayList<>();
    List<String> tighter = new ArrayList<>();
    Map<String, Integer> accepted = new TreeMap<>();
    offenders.forEach((key, size) -> {
      Integer limit = allowed.get(key);
      if (limit == null) {
        failures.add("new:   " + key + " | " + size + "   (over the limit of " + limitOf(key) + ")");
      } else if (size > limit) {
        failures.add("grew:  " + key + " | " + size + "   (listed at " + limit + "; it may only shrink)");
      } else if (size < limit) {
        tighter.add("shrank: " + key + " is " + size + " lines, listed " + limit);
      }
      if (limit != null) {
        accepted.put(key, Math.min(size, limit));
      }
    });
    allowed.keySet().stream().filter(k -> !offenders.containsKey(k))
        .forEach(k -> tighter.add("done:  " + k + " is within its limit now; drop it from the list"));
    if (Boolean.getBoolean(ACCEPT) && !tighter.isEmpty()) {
      writeAllowList(accepted);
      tighter.clear();
    }
    StringBuilder message = new StringBuilder();
    if (!failures.isEmpty()) {
      message.append("Main code over the size limits (split the class or method; ADR 0021, docs/architecture.md):\n  ")
          .append(String.join("\n  ", failures)).append('\n');
    }
    if (!tighter.isEmpty()) {
      message.append("The size allow-list ").append(ALLOW_LIST).append(" can shrink:\n  ")
          .append(String.join("\n  ", tighter))
          .append("\nTighten it with: ./mvnw -B -ntp -o -q -pl assay-test-support test -Dtest=SourceSizeTest -D")
          .append(ACCEPT).append("=true\n");
    }
    if (message.length() > 0) {
      throw new AssertionError(message.toString());
    }
  }

  @Test
  void offenders_areTheClassesAndMethodsOverTheLimits(@org.junit.jupiter.api.io.TempDir Path root)
      throws IOException {
    Path dir = Files.createDirectories(root.resolve("some-module/src/main/java/p"));
    String longMethod = "  void longMethod() {\n" + "    int x = 0;\n".repeat(MAX_METHOD_LINES - 1) + "  }\n";
    String shortMethod = "  void shortMethod() {\n" + "    int x = 0;\n".repeat(MAX_METHOD_LINES - 2) + "  }\n";
    String filler = "  int f%d;\n";
    StringBuilder big = new StringBuilder("package p;\n\nclass Big {\n").append(longMethod).append(shortMethod);
    for (int i = 0; big.toString().split("\n").length < MAX_CLASS_LINES + 2; i++) {
      big.append(String.format(java.util.Locale.ROOT, filler, i));
    }
    Files.writeString(dir.resolve("Big.java"), big.append("}\n").toString());
    Files.writeString(dir.resolve("Small.java"), "package p;\n\nclass Small {\n" + shortMethod + "}\n");

    assertThat(offenders(root)).containsOnlyKeys(
        "some-module/src/main/java/p/Big.java | Big",
        "some-module/src/main/java/p/Big.java | Big.longMethod()");
    assertThat(offenders(root)).containsEntry("some-module/src/main/java/p/Big.java | Big.longMethod()",
        MAX_METHOD_LINES + 1);
  }

  /** Every class and method over its limit in the main sources under {@code root}: key to lines. */
  static Map<String, Integer> offenders(Path root) throws IOException {
    StaticJavaParser.getParserConfiguration().setLanguageLevel(ParserConfiguration.LanguageLevel.JAVA_21);
    Map<String, Integer> out = new TreeMap<>();
    for (Path file : mainSources(root)) {
      String path = root.relativize(file).toString().replace('\\', '/');
      CompilationUnit unit = StaticJavaParser.parse(file);
      for (TypeDeclaration<?> type : unit.getTypes()) {
        int lines = span(type);
        if (lines > MAX_CLASS_LINES) {
          out.put(path + " | " + type.getNameAsString(), lines);
        }
      }
      List<Node> callables = new ArrayList<>();
      unit.findAll(CallableDeclaration.class).forEach(callables::add);
      unit.findAll(CompactConstructorDeclaration.class).forEach(callables::add);
      for (Node callable : callables) {
        int lines = span(callable);
        if (lines > MAX_METHOD_LINES) {
          out.merge(path + " | " + owner(callable) + "." + signature(callable), lines, Math::max);
        }
      }
    }
    return out;
  }

  private static List<Path> mainSources(Path root) throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> modules = Files.list(root)) {
      for (Path main : modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory).sorted()
          .collect(Collectors.toList())) {
        try (Stream<Path> walk = Files.walk(main)) {
          walk.filter(f -> f.toString().endsWith(".java")).sorted().forEach(files::add);
        }
      }
    }
    return files;
  }

  private static int span(Node node) {
    return node.getRange().map(r -> r.end.line - r.begin.line + 1).orElse(0);
  }

  private static String owner(Node node) {
    List<String> names = new ArrayList<>();
    for (Node n = node.getParentNode().orElse(null); n != null; n = n.getParentNode().orElse(null)) {
      if (n instanceof TypeDeclaration<?> t) {
        names.add(0, t.getNameAsString());
      }
    }
    return String.join(".", names);
  }

  private static String signature(Node callable) {
    if (callable instanceof CallableDeclaration<?> c) {
      return c.getSignature().asString();
    }
    return ((CompactConstructorDeclaration) callable).getNameAsString() + "(compact)";
  }

  private static int limitOf(String key) {
    return key.contains("(") ? MAX_METHOD_LINES : MAX_CLASS_LINES;
  }

  private static Map<String, Integer> readAllowList() throws IOException {
    Map<String, Integer> out = new TreeMap<>();
    for (String line : Files.readAllLines(ALLOW_LIST, StandardCharsets.UTF_8)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int last = line.lastIndexOf(" | ");
      out.put(line.substring(0, last).strip(), Integer.parseInt(line.substring(last + 3).strip()));
    }
    return out;
  }

  private static void writeAllowList(Map<String, Integer> entries) throws IOException {
    List<String> header = Files.readAllLines(ALLOW_LIST, StandardCharsets.UTF_8).stream()
        .takeWhile(l -> l.startsWith("#") || l.isBlank()).collect(Collectors.toList());
    List<String> lines = new ArrayList<>(header);
    entries.forEach((key, size) -> lines.add(key + " | " + size));
    Files.write(ALLOW_LIST, lines, StandardCharsets.UTF_8);
  }
}
