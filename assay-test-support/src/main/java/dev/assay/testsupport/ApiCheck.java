package dev.assay.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compares a module's public API ({@link ApiSignatures}) with the checked-in file
 * {@code <module>/api/<module>.api}, until the first release makes japicmp against Maven Central
 * possible (ADR 0021). A difference fails with the removed and added lines and the command that
 * accepts it; with {@code -Dassay.api.accept=true} the file is rewritten instead.
 */
public final class ApiCheck {
  /** The system property that rewrites the API file instead of comparing. */
  public static final String ACCEPT = "assay.api.accept";
  private static final Pattern TYPE_NAME =
      Pattern.compile("(?:class|interface|enum|record|@interface) ([^\\s<]+)");

  private ApiCheck() {}

  /**
   * Checks the API of the module whose compiled classes hold {@code anyMainClass}.
   *
   * @param module the module's artifact id, which names the file {@code api/<module>.api}
   * @param internalPackages packages that are public for technical reasons but documented as not
   *     API (their package-info says so); their types are left out of the file
   */
  public static void verify(String module, Class<?> anyMainClass, String... internalPackages) {
    Path classes = classesDir(anyMainClass);
    Path file = Path.of(System.getProperty("basedir", ".")).resolve("api").resolve(module + ".api");
    java.util.TreeMap<String, java.util.List<String>> api = ApiSignatures.of(classes, anyMainClass.getClassLoader());
    for (String p : internalPackages) {
      api.keySet().removeIf(type -> type.startsWith(p + "."));
    }
    String actual = ApiSignatures.render(api);
    String header = "# The public API of " + module + " (ADR 0021). Generated: do not edit by hand.\n"
        + "# A change here is an API change; accept one with\n# " + acceptCommand(module) + "\n";
    try {
      if (Boolean.getBoolean(ACCEPT)) {
        Files.createDirectories(file.getParent());
        Files.writeString(file, header + actual, StandardCharsets.UTF_8);
        return;
      }
      if (!Files.exists(file)) {
        throw new AssertionError("no API file " + file + " for " + module + "; create it with\n  "
            + acceptCommand(module));
      }
      String expected = Files.readString(file, StandardCharsets.UTF_8);
      String diff = diff(entries(expected), entries(actual));
      if (!diff.isEmpty()) {
        throw new AssertionError("The public API of " + module + " differs from " + file + ":\n" + diff
            + "Removed or changed lines break code compiled against the old API; added lines widen it."
            + "\nIf the change is intended (ADR 0021), accept it and commit the file with the change:\n  "
            + acceptCommand(module));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or write " + file, e);
    }
  }

  /** The one command that rewrites the API file of a module. */
  public static String acceptCommand(String module) {
    return "./mvnw -B -ntp -o -q -pl " + module + " -am test -Dtest=PublicApiTest"
        + " -Dsurefire.failIfNoSpecifiedTests=false -D" + ACCEPT + "=true";
  }

  /** Each line as "type: member" (or "type" for the declaration), so that a diff names the type. */
  static Set<String> entries(String apiText) {
    Set<String> out = new LinkedHashSet<>();
    String type = "";
    for (String line : apiText.split("\n", -1)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("  ")) {
        out.add(type + ": " + line.strip());
      } else {
        Matcher m = TYPE_NAME.matcher(line);
        type = m.find() ? m.group(1) : line;
        out.add(type + " = " + line);
      }
    }
    return out;
  }

  static String diff(Set<String> expected, Set<String> actual) {
    List<String> removed = new ArrayList<>(expected);
    removed.removeAll(actual);
    List<String> added = new ArrayList<>(actual);
    added.removeAll(expected);
    StringBuilder out = new StringBuilder();
    removed.forEach(l -> out.append("  - ").append(l).append('\n'));
    added.forEach(l -> out.append("  + ").append(l).append('\n'));
    return out.toString();
  }

  private static Path classesDir(Class<?> c) {
    try {
      return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot locate the classes of " + c, e);
    }
  }

  /** For tests of the check itself: the API of a directory of classes, as entries. */
  static Set<String> entriesOf(Path classes, ClassLoader loader) {
    TreeMap<String, List<String>> api = ApiSignatures.of(classes, loader);
    return entries(ApiSignatures.render(api));
  }
}
