package dev.assay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The container image and Kubernetes manifests under {@code deploy/} and the root {@code Dockerfile}
 * agree with the server they run: every environment variable they set is one Assay reads, the
 * probes they name answer 200 on a real {@code assay serve}, ports and the unprivileged user match,
 * and {@code kubectl kustomize} renders the manifests with matching selectors. (The image itself is
 * not built here: the machine has no Docker daemon; docs/operations.md says so.)
 */
class DeploymentAssetsTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path K8S = ROOT.resolve("deploy/kubernetes");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern ENV_READ = Pattern.compile("(?:env:|getenv\\(\")(ASSAY_[A-Z0-9_]+)");

  @Test
  void manifests_setOnlyEnvironmentVariablesAssayReads() throws IOException {
    Set<String> read = environmentVariablesRead();
    Set<String> set = new TreeSet<>();
    configMap().path("data").fieldNames().forEachRemaining(set::add);
    container().path("env").forEach(e -> set.add(e.path("name").asText()));
    set.remove("JAVA_TOOL_OPTIONS");

    assertThat(read).as("the scan of the sources found the serve options").contains("ASSAY_PORT", "ASSAY_AUDIT_KEY");
    assertThat(set).isNotEmpty().allSatisfy(name -> assertThat(read).as("read by assay").contains(name));
  }

  @Test
  void portsAndUser_agreeBetweenImageManifestsAndConfig() throws IOException {
    String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
    String port = configMap().path("data").path("ASSAY_PORT").asText();
    JsonNode pod = deployment().path("spec").path("template").path("spec");

    assertThat(container().path("ports").get(0).path("containerPort").asText()).isEqualTo(port);
    assertThat(dockerfile).containsPattern("(?m)^EXPOSE " + port + "$").containsPattern("ASSAY_PORT=" + port + "\\b");
    Matcher user = Pattern.compile("(?m)^USER (\\d+)$").matcher(dockerfile);
    assertThat(user.find()).as("a numeric USER in the Dockerfile").isTrue();
    assertThat(Integer.parseInt(user.group(1))).isPositive();
    assertThat(pod.path("securityContext").path("runAsUser").asText()).isEqualTo(user.group(1));
    assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(dockerfile).contains("HEALTHCHECK").contains("/health/ready")
        .contains("COPY --from=build /src/assay-cli/target/assay.jar");
    assertThat(Files.readString(ROOT.resolve("assay-cli/pom.xml"))).contains("${project.build.directory}/assay.jar");
    assertThat(container().path("resources").path("requests").path("memory").asText()).isNotEmpty();
  }

  @Test
  void probes_answer200OnARealServer(@TempDir Path data) throws Exception {
    List<String> paths = new ArrayList<>();
    for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
      JsonNode get = container().path(probe).path("httpGet");
      assertThat(get.path("port").asText()).as(probe).isEqualTo("http");
      paths.add(get.path("path").asText());
    }
    StringWriter out = new StringWriter();
    CommandLine cl = AssayCli.commandLine();
    cl.setOut(new PrintWriter(out, true));
    Thread serving = new Thread(() -> cl.execute("serve", "--port", "0", "--host", "127.0.0.1", "--data-dir",
        data.toString()));
    serving.start();
    try {
      int port = Integer.parseInt(ServeCommandTest.awaitLine(out, serving).group(1));
      HttpClient http = HttpClient.newHttpClient();
      for (String path : paths) {
        assertThat(ServeCommandTest.get(http, port, path, null).statusCode()).as(path).isEqualTo(200);
      }
    } finally {
      serving.interrupt();
      serving.join(15_000);
    }
  }

  @Test
  void kustomize_rendersWithSelectorsMatchingThePodLabels() throws Exception {
    Assumptions.assumeTrue(onPath("kubectl"), "kubectl is not installed");
    Process p = new ProcessBuilder("kubectl", "kustomize", K8S.toString()).redirectErrorStream(true).start();
    String rendered = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(rendered).isZero();

    List<JsonNode> docs = documents(rendered);
    JsonNode deployment = kind(docs, "Deployment");
    JsonNode labels = deployment.path("spec").path("template").path("metadata").path("labels");
    assertThat(labels.size()).isPositive();
    for (JsonNode selector : List.of(deployment.path("spec").path("selector").path("matchLabels"),
        kind(docs, "Service").path("spec").path("selector"),
        kind(docs, "PodDisruptionBudget").path("spec").path("selector").path("matchLabels"))) {
      assertThat(selector.size()).isPositive();
      selector.fields().forEachRemaining(
          (Map.Entry<String, JsonNode> e) -> assertThat(labels.path(e.getKey()).asText()).isEqualTo(e.getValue().asText()));
    }
    assertThat(kind(docs, "Service").path("spec").path("ports").get(0).path("targetPort").asText()).isEqualTo("http");
  }

  private static Set<String> environmentVariablesRead() throws IOException {
    Set<String> names = new TreeSet<>();
    for (String module : List.of("assay-cli", "assay-server")) {
      try (Stream<Path> files = Files.walk(ROOT.resolve(module).resolve("src/main/java"))) {
        for (Path f : files.filter(f -> f.toString().endsWith(".java")).toList()) {
          Matcher m = ENV_READ.matcher(Files.readString(f));
          while (m.find()) {
            names.add(m.group(1));
          }
        }
      }
    }
    return names;
  }

  private static JsonNode configMap() throws IOException {
    return YAML.readTree(K8S.resolve("configmap.yaml").toFile());
  }

  private static JsonNode deployment() throws IOException {
    return YAML.readTree(K8S.resolve("deployment.yaml").toFile());
  }

  private static JsonNode container() throws IOException {
    return deployment().path("spec").path("template").path("spec").path("containers").get(0);
  }

  private static List<JsonNode> documents(String yaml) throws IOException {
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      return it.readAll();
    }
  }

  private static JsonNode kind(List<JsonNode> docs, String kind) {
    return docs.stream().filter(d -> d.path("kind").asText().equals(kind)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " in the rendered manifests"));
  }

  private static boolean onPath(String tool) {
    return Stream.of(System.getenv("PATH").split(java.io.File.pathSeparator))
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
  }
}
