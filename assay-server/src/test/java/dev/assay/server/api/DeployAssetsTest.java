package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.testsupport.TestKafka;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The operator assets in {@code deploy/}: the Prometheus rules pass {@code promtool} (syntax and
 * their unit tests), the Grafana dashboard's queries parse as PromQL, and every metric either uses
 * is exported by a running server (Kafka mode, so the consumer's metrics are there too).
 */
class DeployAssetsTest {
  private static final Path DEPLOY = Path.of("..", "deploy").toAbsolutePath().normalize();
  private static final Path RULES = DEPLOY.resolve("prometheus/alerts.yml");
  private static final Path DASHBOARD = DEPLOY.resolve("grafana/assay.json");
  /* Metric names: ours and the JVM's; recording rules ("assay:...") are defined, not exported. */
  private static final Pattern METRIC = Pattern.compile("\\b((?:assay|jvm)_[a-z0-9_]+)\\b");

  @Test
  void everyMetricTheRulesAndTheDashboardUse_isExportedByARunningServer() throws Exception {
    Set<String> used = new TreeSet<>();
    used.addAll(metricNames(Files.readString(RULES).replaceAll("(?m)^\\s*#.*$", "")));
    dashboardExpressions().forEach(e -> used.addAll(metricNames(e)));
    assertThat(used).as("the assets name metrics").hasSizeGreaterThan(10);

    String topic = "deploy-" + UUID.randomUUID();
    try (TestServer server = new TestServer(b -> b.kafka(TestKafka.bootstrapServers()).kafkaTopic(topic))) {
      String key = server.admin("POST", "/api/v1/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}")
          .json().get("key").asText();
      String event = "[{\"id\":\"d1\",\"type\":\"metric\",\"name\":\"signup\",\"unitId\":\"u1\",\"timestamp\":"
          + System.currentTimeMillis() + "}]";
      TestServer.Response r = server.send("POST", "/api/v1/events", key, "application/json",
          event.getBytes(StandardCharsets.UTF_8));
      assertThat(r.status()).as(r.body()).isEqualTo(200);
      String metrics = awaitCommitted(server);

      Set<String> exported = exportedNames(metrics);
      assertThat(used).as("metrics the rules or the dashboard use but the server does not export")
          .allSatisfy(name -> assertThat(exported).contains(name));
    }
  }

  @Test
  void alertRules_passPromtoolsCheckAndTheirUnitTests() throws Exception {
    assertThat(promtool(DEPLOY.resolve("prometheus"), "check", "rules", "alerts.yml")).contains("SUCCESS");
    assertThat(promtool(DEPLOY.resolve("prometheus"), "test", "rules", "alerts.test.yml")).contains("SUCCESS");
  }

  @Test
  void dashboardQueries_parseAsPromQl() throws Exception {
    List<String> expressions = dashboardExpressions();
    assertThat(expressions).hasSizeGreaterThan(15);
    // promtool parses rule files: each query (Grafana's variables substituted) becomes a recording rule.
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
    for (int i = 0; i < expressions.size(); i++) {
      String expr = expressions.get(i).replace("$__rate_interval", "5m").replace("$instance", ".*");
      rules.append("      - record: dashboard:query_").append(i).append("\n        expr: '")
          .append(expr.replace("'", "''")).append("'\n");
    }
    Path dir = Files.createTempDirectory("assay-dashboard-");
    Files.writeString(dir.resolve("queries.yml"), rules);
    assertThat(promtool(dir, "check", "rules", "queries.yml")).contains("SUCCESS: " + expressions.size() + " rules found");
  }

  @Test
  void dashboard_everyPanelHasATitleAndUsesTheDataSourceVariable() throws Exception {
    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    assertThat(dashboard.get("uid").asText()).isEqualTo("assay-overview");
    assertThat(dashboard.at("/templating/list/0/name").asText()).isEqualTo("datasource");
    for (JsonNode panel : dashboard.get("panels")) {
      assertThat(panel.get("title").asText()).isNotBlank();
      if (!panel.get("type").asText().equals("row")) {
        assertThat(panel.at("/datasource/uid").asText()).as(panel.get("title").asText()).isEqualTo("${datasource}");
        assertThat(panel.get("targets")).as(panel.get("title").asText()).isNotEmpty();
      }
    }
  }

  /* Waits until the consumer committed the event, so its gauges hold real values; returns /metrics. */
  private static String awaitCommitted(TestServer server) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    Pattern commit = Pattern.compile("(?m)^assay_events_consumer_last_commit_timestamp_seconds\\S* (\\S+)$");
    String metrics;
    do {
      metrics = server.send("GET", "/metrics", null, null, null).body();
      Matcher m = commit.matcher(metrics);
      if (m.find() && Double.parseDouble(m.group(1)) > 0) {
        return metrics;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("the Kafka consumer did not commit within 60 s; /metrics:\n" + metrics);
  }

  private static Set<String> metricNames(String text) {
    Set<String> names = new TreeSet<>();
    Matcher m = METRIC.matcher(text);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  private static Set<String> exportedNames(String exposition) {
    Set<String> names = new TreeSet<>();
    for (String line : exposition.split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        names.add(line.split("[{ ]", 2)[0]);
      }
    }
    return names;
  }

  private static List<String> dashboardExpressions() throws IOException {
    List<String> out = new ArrayList<>();
    for (JsonNode panel : new ObjectMapper().readTree(DASHBOARD.toFile()).get("panels")) {
      for (JsonNode target : panel.path("targets")) {
        out.add(target.get("expr").asText());
      }
    }
    return out;
  }

  /* Runs Debian's promtool (package prometheus, installed by .ci/run); skipped only outside CI. */
  private static String promtool(Path dir, String... args) throws Exception {
    boolean present = java.util.Arrays.stream(System.getenv("PATH").split(java.io.File.pathSeparator))
        .anyMatch(d -> Files.isExecutable(Path.of(d, "promtool")));
    if (!present) {
      Assumptions.assumeTrue(System.getenv("CI") == null, "promtool missing");
      throw new AssertionError("promtool is missing; .ci/run installs Debian's prometheus package");
    }
    List<String> command = new ArrayList<>(List.of("promtool"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }
}
