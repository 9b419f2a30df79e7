package dev.assay.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * What {@code ./mvnw install} publishes of the libraries is complete, checked on what the build
 * left in each module's {@code target/} (the reactor packages them before this module's tests): the
 * jar, a sources jar and a javadoc jar that hold every public type of the module's API file
 * ({@code <module>/api/<module>.api}, ADR 0021), and the flattened pom that is installed in place of
 * the module's own (no parent, no {@code ${...}}, release metadata, dependencies with versions);
 * the BOM lists exactly the libraries at this version, and the example application imports it.
 */
class PublishedArtifactsE2ETest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @ParameterizedTest
  @ValueSource(strings = {"assay-sdk", "assay-openfeature", "assay-stats"})
  void library_jarSourcesAndJavadoc_holdEveryPublicType(String module) throws Exception {
    Path target = ROOT.resolve(module).resolve("target");
    String base = module + "-" + version();
    Set<String> publicTypes = publicTypes(module);
    assertThat(publicTypes).as("public types of %s", module).isNotEmpty();

    try (JarFile jar = open(target.resolve(base + ".jar"));
         JarFile sources = open(target.resolve(base + "-sources.jar"));
         JarFile javadoc = open(target.resolve(base + "-javadoc.jar"))) {
      for (String type : publicTypes) {
        String outer = type.contains("$") ? type.substring(0, type.indexOf('$')) : type;
        String path = type.replace('.', '/');
        assertThat(jar.getEntry(path + ".class")).as("%s in %s", type, jar.getName()).isNotNull();
        assertThat(sources.getEntry(outer.replace('.', '/') + ".java")).as("%s in %s", outer, sources.getName()).isNotNull();
        // Javadoc names a nested type Outer.Inner.html.
        String page = type.substring(0, type.lastIndexOf('.') + 1).replace('.', '/')
            + type.substring(type.lastIndexOf('.') + 1).replace('$', '.') + ".html";
        assertThat(javadoc.getEntry(page)).as("%s in %s", page, javadoc.getName()).isNotNull();
      }
      assertThat(javadoc.getEntry("index.html")).as("index.html in %s", javadoc.getName()).isNotNull();
      // Exactly the main sources: none missing, no test sources.
      assertThat(entries(sources).stream().filter(name -> name.endsWith(".java")))
          .as("sources in %s", sources.getName())
          .containsExactlyInAnyOrderElementsOf(mainSources(module));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"assay-sdk", "assay-openfeature", "assay-stats", "assay-bom"})
  void publishedPom_standsAloneWithReleaseMetadata(String module) throws Exception {
    Path file = flattenedPom(module);
    String text = Files.readString(file, StandardCharsets.UTF_8);
    Element pom = parse(file);

    assertThat(child(pom, "parent")).as("<parent> in %s", file).isNull();
    assertThat(text(pom, "groupId")).isEqualTo("dev.assay");
    assertThat(text(pom, "artifactId")).isEqualTo(module);
    assertThat(text(pom, "version")).isEqualTo(version());
    assertThat(text(pom, "name")).as("name").isNotBlank();
    assertThat(text(pom, "description")).as("description").isNotBlank();
    assertThat(text(pom, "url")).as("url").startsWith("https://");
    Element license = child(child(pom, "licenses"), "license");
    assertThat(text(license, "name")).isEqualTo("Apache-2.0");
    assertThat(text(license, "url")).isEqualTo("https://www.apache.org/licenses/LICENSE-2.0.txt");
    Element scm = child(pom, "scm");
    assertThat(text(scm, "url")).as("scm url").isEqualTo(text(pom, "url"));
    assertThat(text(scm, "connection")).as("scm connection").startsWith("scm:git:");
    assertThat(text(child(child(pom, "developers"), "developer"), "name")).as("developer").isNotBlank();
    assertThat(text(child(pom, "issueManagement"), "url")).as("issueManagement url").startsWith("https://");
    assertThat(child(pom, "build")).as("<build> in %s", file).isNull();
    assertThat(child(pom, "properties")).as("<properties> in %s", file).isNull();
    // The BOM's own version is the one expression left: without a parent it resolves to itself.
    assertThat(text.replace("${project.version}", "")).as("unresolved expressions in %s", file).doesNotContain("${");
    if (!module.equals("assay-bom")) {
      assertThat(text).as("${project.version} in %s", file).doesNotContain("${");
    }
  }

  @Test
  void sdkPom_hasJacksonCoreAsItsOnlyRuntimeDependency() throws Exception {
    List<String> runtime = new ArrayList<>();
    for (Element d : children(child(parse(flattenedPom("assay-sdk")), "dependencies"), "dependency")) {
      assertThat(text(d, "version")).as("version of %s", text(d, "artifactId")).isNotBlank();
      String scope = text(d, "scope");
      assertThat(scope).as("scope of %s", text(d, "artifactId")).isNotEqualTo("test");
      if (scope == null || scope.equals("compile") || scope.equals("runtime")) {
        runtime.add(text(d, "groupId") + ":" + text(d, "artifactId"));
      }
    }
    assertThat(runtime).containsExactly("com.fasterxml.jackson.core:jackson-core");
  }

  @Test
  void bom_listsExactlyTheLibrariesAndOnlyThem() throws Exception {
    Element pom = parse(flattenedPom("assay-bom"));
    assertThat(text(pom, "packaging")).isEqualTo("pom");
    List<String> managed = new ArrayList<>();
    for (Element d : children(child(child(pom, "dependencyManagement"), "dependencies"), "dependency")) {
      assertThat(text(d, "groupId")).isEqualTo("dev.assay");
      assertThat(text(d, "version")).as("version of %s", text(d, "artifactId")).isIn("${project.version}", version());
      managed.add(text(d, "artifactId"));
    }
    assertThat(managed).containsExactlyInAnyOrder("assay-sdk", "assay-openfeature", "assay-stats");
  }

  @Test
  void exampleApp_importsTheBomOfThisVersionAndDeclaresNoAssayVersionItself() throws Exception {
    Element pom = parse(ROOT.resolve("examples/java-sdk-app/pom.xml"));
    assertThat(child(pom, "parent")).as("the example has no Assay parent").isNull();
    assertThat(text(child(pom, "properties"), "assay.version")).as("assay.version of the example")
        .isEqualTo(version());
    Element imported = child(child(child(pom, "dependencyManagement"), "dependencies"), "dependency");
    assertThat(text(imported, "artifactId")).isEqualTo("assay-bom");
    assertThat(text(imported, "scope")).isEqualTo("import");
    for (Element d : children(child(pom, "dependencies"), "dependency")) {
      assertThat(text(d, "version")).as("version of %s (comes from the BOM)", text(d, "artifactId")).isNull();
    }
  }

  @Test
  void repository_hasTheLicenseThePomsName() throws IOException {
    assertThat(Files.readString(ROOT.resolve("LICENSE"), StandardCharsets.UTF_8))
        .contains("Apache License", "Version 2.0, January 2004");
  }

  /* The version of this build, from the root pom. */
  private static String version() throws Exception {
    return text(parse(ROOT.resolve("pom.xml")), "version");
  }

  private static Path flattenedPom(String module) {
    Path file = ROOT.resolve(module).resolve("target/.flattened-pom.xml");
    assertThat(file).as("%s: written by flatten-maven-plugin at process-resources (run ./mvnw verify from the root)", file)
        .isRegularFile();
    return file;
  }

  /* The public top-level and nested types in the module's API signature file. */
  private static Set<String> publicTypes(String module) throws IOException {
    Set<String> types = new TreeSet<>();
    for (String line : Files.readAllLines(ROOT.resolve(module).resolve("api").resolve(module + ".api"))) {
      if (line.startsWith("public ") || line.startsWith("protected ")) {
        for (String word : line.split(" ")) {
          if (word.startsWith("dev.assay.")) {
            int generic = word.indexOf('<');
            types.add(generic < 0 ? word : word.substring(0, generic));
            break;
          }
        }
      }
    }
    return types;
  }

  /* The module's main source files, as paths relative to src/main/java. */
  private static List<String> mainSources(String module) throws IOException {
    Path main = ROOT.resolve(module).resolve("src/main/java");
    try (Stream<Path> files = Files.walk(main)) {
      return files.filter(f -> f.toString().endsWith(".java"))
          .map(f -> main.relativize(f).toString().replace('\\', '/'))
          .toList();
    }
  }

  private static JarFile open(Path jar) throws IOException {
    assertThat(jar).as("%s (packaged by the reactor before this module's tests: run ./mvnw verify from the root)", jar)
        .isRegularFile();
    return new JarFile(jar.toFile());
  }

  private static List<String> entries(JarFile jar) {
    return jar.stream().map(ZipEntry::getName).toList();
  }

  private static Element parse(Path file) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    Document doc = factory.newDocumentBuilder().parse(file.toFile());
    return doc.getDocumentElement();
  }

  /* The first direct child element of that name, or null. */
  private static Element child(Element parent, String name) {
    assertThat(parent).as("parent element of <%s>", name).isNotNull();
    for (Element e : children(parent, name)) {
      return e;
    }
    return null;
  }

  private static List<Element> children(Element parent, String name) {
    assertThat(parent).as("parent element of <%s>", name).isNotNull();
    List<Element> found = new ArrayList<>();
    NodeList nodes = parent.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      Node n = nodes.item(i);
      if (n instanceof Element e && e.getTagName().equals(name)) {
        found.add(e);
      }
    }
    return found;
  }

  /* The trimmed text of the first direct child of that name, or null. */
  private static String text(Element parent, String name) {
    Element e = child(parent, name);
    return e == null ? null : e.getTextContent().trim();
  }
}
