package dev.assay.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package rules of ARCHITECTURE.md §2, checked on the source imports: {@code store} imports
 * no other server package, and only {@code api} (plus the {@link AssayServer} bootstrap) knows
 * HTTP.
 */
class PackageRulesTest {
  private static final Path MAIN = Path.of("src", "main", "java", "dev", "assay", "server");

  private static List<String> violations(String pkg, java.util.function.Predicate<String> forbidden) throws IOException {
    List<String> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(MAIN.resolve(pkg))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        for (String line : Files.readAllLines(f)) {
          if (line.startsWith("import ") && forbidden.test(line)) {
            out.add(f.getFileName() + ": " + line);
          }
        }
      }
    }
    return out;
  }

  @Test
  void store_importsNoOtherServerPackage() throws IOException {
    assertThat(violations("store", l -> l.contains("dev.assay.server.") && !l.contains("dev.assay.server.store."))).isEmpty();
  }

  @Test
  void onlyApiKnowsHttp() throws IOException {
    for (String pkg : List.of("store", "domain", "delivery", "audit", "auth")) {
      assertThat(violations(pkg, l -> l.contains("io.helidon."))).as(pkg).isEmpty();
    }
  }

  @Test
  void nothingOutsideApiImportsApi() throws IOException {
    for (String pkg : List.of("store", "domain", "delivery", "audit", "auth")) {
      assertThat(violations(pkg, l -> l.contains("dev.assay.server.api."))).as(pkg).isEmpty();
    }
  }
}
