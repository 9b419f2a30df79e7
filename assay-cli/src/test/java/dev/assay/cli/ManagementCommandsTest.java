package dev.assay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The management commands against a real server: tables and JSON of flags, experiments and
 * metrics; a whole experiment from its file (apply) through start, results, stop and a concluded
 * decision with its write-up; and the live event tail.
 */
class ManagementCommandsTest {
  static RemoteServer server;
  static CliContext admin;

  @BeforeAll
  static void start(@TempDir Path data, @TempDir Path home) {
    server = new RemoteServer(data);
    admin = server.admin(home);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void listAndGet_tablesAndJson() throws Exception {
    CliRun flags = CliRun.in(admin, "flags", "list", "--project", "demo");
    CliRun flagsJson = CliRun.in(admin, "flags", "list", "--project", "demo", "--output", "json");
    CliRun experiments = CliRun.in(admin, "experiments", "list", "--project", "demo");
    CliRun experiment = CliRun.in(admin, "experiments", "get", "checkout-button", "--project", "demo");
    CliRun metric = CliRun.in(admin, "metrics", "get", "page-load-ms", "--project", "demo", "--output", "json");
    CliRun none = CliRun.in(admin, "flags", "list");

    assertThat(flags.exitCode()).as(flags.err()).isZero();
    String[] lines = flags.out().split("\n");
    assertThat(lines[0]).startsWith("KEY").contains("TYPE").contains("DEFAULT").contains("STATUS").contains("VERSION");
    assertThat(flags.out()).containsPattern("new-header +boolean +false +active +production:on staging:on +1 ");
    JsonNode items = RemoteServer.JSON.readTree(flagsJson.out()).path("items");
    assertThat(items.isArray()).isTrue();
    assertThat(items.toString()).contains("\"key\":\"new-header\"");
    assertThat(experiments.out()).containsPattern("checkout-button +Checkout button colour +running +ab +control 50.0%, green 50.0%");
    assertThat(experiment.out()).contains("key: checkout-button").contains("status: running")
        .contains("variants:").contains("  - key: control").contains("metrics:\n  primary: purchase");
    assertThat(RemoteServer.JSON.readTree(metric.out()).path("direction").asText()).isEqualTo("decrease");
    assertThat(none.exitCode()).isZero();
    assertThat(none.out()).contains("no flags in project 'default'");
  }

  @Test
  void experiment_fromDraftToDecision_withResults(@TempDir Path tmp) throws Exception {
    Path files = Files.createDirectories(tmp.resolve("config/experiments"));
    Files.writeString(tmp.resolve("config/metrics.yaml"),
        "kind: metric\nkey: signup\nname: Signed up\ntype: proportion\nevent: signup\n");
    Files.writeString(files.resolve("onboarding.yaml"), """
        name: onboarding
        hypothesis: A shorter onboarding gets more sign-ups.
        owner: growth-team
        variants:
          - name: control
            allocation: 50%
            config: { steps: 5 }
          - name: short
            allocation: 50%
            config: { steps: 2 }
        metrics:
          primary: signup
        """);
    CliRun apply = CliRun.in(admin, "apply", "-f", tmp.resolve("config").toString());
    assertThat(apply.exitCode()).as(apply.err()).isZero();
    assertThat(apply.out()).contains("+ created experiment onboarding   (experiments/onboarding.yaml)")
        .contains("+ created metric signup   (metrics.yaml)");

    CliRun start = CliRun.in(admin, "experiments", "start", "onboarding");
    assertThat(start.exitCode()).as(start.err()).isZero();
    assertThat(start.out()).contains("experiment onboarding is now running (phase 1");

    CliRun before = CliRun.in(admin, "results", "onboarding");
    assertThat(before.exitCode()).isEqualTo(1);
    assertThat(before.err()).contains("404 not_found: no results yet for experiment 'onboarding'")
        .contains("assay results onboarding --refresh");

    postEvents(400);
    CliRun table = CliRun.in(admin, "results", "onboarding", "--refresh");
    CliRun json = CliRun.in(admin, "results", "onboarding", "--format", "json");
    CliRun markdown = CliRun.in(admin, "results", "onboarding", "--format", "markdown");

    assertThat(table.exitCode()).as(table.err()).isZero();
    assertThat(table.out()).contains("units: control 200 (50.0%), short 200 (50.0%)").contains("sample ratio: ok")
        .containsPattern("METRIC +VARIANT +CONTROL +TREATMENT +EFFECT +CI +LIFT")
        .containsPattern("signup +short +0.25 +0.5 +0.25 +\\[");
    JsonNode snapshot = RemoteServer.JSON.readTree(json.out());
    assertThat(snapshot.path("experiment").asText()).isEqualTo("onboarding");
    assertThat(snapshot.path("results").get(0).path("variantMean").asDouble()).isEqualTo(0.5);
    assertThat(markdown.out()).startsWith("# onboarding").contains("A shorter onboarding").contains("## Health");

    CliRun early = CliRun.in(admin, "experiments", "conclude", "onboarding", "--decision", "ship:short",
        "--write-up", Files.writeString(tmp.resolve("w.md"), "x").toString());
    assertThat(early.exitCode()).isEqualTo(1);
    assertThat(early.err()).contains("409 illegal_transition");

    CliRun stop = CliRun.in(admin, "experiments", "stop", "onboarding");
    Path writeUp = Files.writeString(tmp.resolve("decision.md"), "# Short onboarding wins\n\nSignups doubled.\n");
    CliRun conclude = CliRun.in(admin, "experiments", "conclude", "onboarding", "--decision", "ship:short",
        "--write-up", writeUp.toString());

    assertThat(stop.out()).contains("is now stopped");
    assertThat(conclude.exitCode()).as(conclude.err()).isZero();
    assertThat(conclude.out()).contains("is now concluded").contains("decision.outcome: ship")
        .contains("decision.variant: short");
    JsonNode stored = server.api("GET", "/experiments/onboarding?project=default", null);
    assertThat(stored.path("status").asText()).isEqualTo("concluded");
    assertThat(stored.path("decision").path("outcome").asText()).isEqualTo("ship");
    assertThat(stored.path("decision").path("variant").asText()).isEqualTo("short");
    assertThat(stored.path("decision").path("writeUp").asText()).isEqualTo(Files.readString(writeUp));
  }

  @Test
  void conclude_badDecisionOrWriteUp_exit2NamingTheOption(@TempDir Path tmp) throws Exception {
    Path empty = Files.writeString(tmp.resolve("empty.md"), "  \n");
    Path ok = Files.writeString(tmp.resolve("ok.md"), "text");

    CliRun noVariant = CliRun.in(admin, "experiments", "conclude", "x", "--decision", "ship", "--write-up", ok.toString());
    CliRun unknown = CliRun.in(admin, "experiments", "conclude", "x", "--decision", "win", "--write-up", ok.toString());
    CliRun blank = CliRun.in(admin, "experiments", "conclude", "x", "--decision", "rollback", "--write-up", empty.toString());
    CliRun absent = CliRun.in(admin, "experiments", "conclude", "x", "--decision", "rollback", "--write-up",
        tmp.resolve("nope.md").toString());

    assertThat(noVariant.exitCode()).isEqualTo(2);
    assertThat(noVariant.err()).contains("--decision").contains("ship:treatment");
    assertThat(unknown.err()).contains("--decision: must be ship:VARIANT, rollback or inconclusive, was 'win'");
    assertThat(blank.err()).contains("--write-up").contains("is empty");
    assertThat(absent.err()).contains("--write-up: file not found");
  }

  @Test
  void eventsTail_printsPostedEventsOneLineEach() throws Exception {
    String exposure = UUID.randomUUID().toString();
    String metric = UUID.randomUUID().toString();
    String now = Instant.now().toString();
    server.api("POST", "/events?project=default&environment=tail-test", "[{\"id\":\"" + exposure
        + "\",\"type\":\"exposure\",\"experimentKey\":\"tail-exp\",\"variationId\":1,\"unitId\":\"tail-user\","
        + "\"timestamp\":\"" + now + "\"},{\"id\":\"" + metric + "\",\"type\":\"metric\",\"name\":\"tail-metric\","
        + "\"unitId\":\"tail-user\",\"value\":4.5,\"timestamp\":\"" + now + "\"}]");
    AtomicReference<CliRun> exposures = new AtomicReference<>();
    AtomicReference<CliRun> metrics = new AtomicReference<>();

    Thread tail = new Thread(() -> {
      exposures.set(CliRun.in(admin, "events", "tail", "--type", "exposure", "--count", "1", "--interval", "100ms"));
      metrics.set(CliRun.in(admin, "events", "tail", "--type", "metric", "--count", "1", "--output", "json"));
    });
    tail.start();
    tail.join(60_000);

    assertThat(tail.isAlive()).as("tail did not print the posted events").isFalse();
    assertThat(exposures.get().exitCode()).as(exposures.get().err()).isZero();
    assertThat(exposures.get().out()).contains("exposure  tail-exp variation 1  unit tail-user  env tail-test")
        .doesNotContain("tail-metric");
    JsonNode line = RemoteServer.JSON.readTree(metrics.get().out());
    assertThat(line.path("id").asText()).isEqualTo(metric);
    assertThat(line.path("value").asDouble()).isEqualTo(4.5);
  }

  @Test
  void eventsTail_badOptions_exit2NamingTheOption() {
    CliRun since = CliRun.in(admin, "events", "tail", "--since", "yesterday");
    CliRun interval = CliRun.in(admin, "events", "tail", "--interval", "0s");
    CliRun limit = CliRun.in(admin, "events", "tail", "--limit", "5000");
    CliRun type = CliRun.in(admin, "events", "tail", "--type", "click");

    assertThat(since.exitCode()).isEqualTo(2);
    assertThat(since.err()).contains("assay events tail: --since: 'yesterday' is not a duration");
    assertThat(interval.err()).contains("--interval: must be positive");
    assertThat(limit.err()).contains("--limit: must be 1 to 1000, was 5000");
    assertThat(type.exitCode()).isEqualTo(2);
    assertThat(type.err()).contains("--type").contains("exposure, metric");
  }

  /** Exposures of {@code units} units split evenly; signups of a quarter of control, half of short. */
  private static void postEvents(int units) throws Exception {
    ArrayNode batch = RemoteServer.JSON.createArrayNode();
    String now = Instant.now().toString();
    for (int i = 0; i < units; i++) {
      int variation = i % 2;
      String unit = "u" + i;
      batch.addObject().put("id", UUID.randomUUID().toString()).put("type", "exposure").put("experimentKey", "onboarding")
          .put("variationId", variation).put("unitId", unit).put("timestamp", now);
      if (variation == 0 ? i % 8 == 0 : i % 4 == 1) {
        batch.addObject().put("id", UUID.randomUUID().toString()).put("type", "metric").put("name", "signup")
            .put("unitId", unit).put("timestamp", now);
      }
    }
    JsonNode answer = server.api("POST", "/events?project=default", batch.toString());
    assertThat(answer.path("accepted").asInt()).isEqualTo(batch.size());
  }
}
