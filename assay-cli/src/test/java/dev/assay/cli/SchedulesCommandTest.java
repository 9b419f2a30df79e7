package dev.assay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code assay schedules list|create|cancel} against a real server (the demo project). */
class SchedulesCommandTest {
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
  void createListCancelRemove() throws Exception {
    String at = Instant.now().plus(30, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString();
    CliRun created = CliRun.in(admin, "schedules", "create", "experiment", "checkout-button", "stop", "--at", at,
        "--reason", "end of test", "--project", "demo", "--output", "json");
    assertThat(created.exitCode()).as(created.err()).isZero();
    JsonNode schedule = RemoteServer.JSON.readTree(created.out());
    String id = schedule.path("id").asText();
    assertThat(schedule.path("status").asText()).isEqualTo("pending");
    assertThat(schedule.path("at").asText()).isEqualTo(at);

    CliRun listed = CliRun.in(admin, "schedules", "list", "--project", "demo");
    assertThat(listed.exitCode()).as(listed.err()).isZero();
    assertThat(listed.out().split("\n")[0]).startsWith("ID").contains("TARGET", "ACTION", "AT", "STATUS");
    assertThat(listed.out()).containsPattern(id + " +experiment +checkout-button +stop +" + at + " +pending");

    CliRun flag = CliRun.in(admin, "schedules", "create", "flag", "new-header", "kill", "--at", at, "--project",
        "demo");
    assertThat(flag.exitCode()).as(flag.err()).isZero();
    assertThat(flag.out()).contains("scheduled kill of flag 'new-header' at " + at);

    CliRun pause = CliRun.in(admin, "schedules", "create", "flag", "new-header", "pause", "--environment",
        "production", "--at", at, "--project", "demo", "--output", "json");
    assertThat(pause.exitCode()).as(pause.err()).isZero();
    String pauseId = RemoteServer.JSON.readTree(pause.out()).path("id").asText();
    assertThat(CliRun.in(admin, "schedules", "list", "--project", "demo").out())
        .containsPattern(pauseId + " +flag +new-header +pause +" + at + " +pending +- +production");

    CliRun cancelled = CliRun.in(admin, "schedules", "cancel", id, "--project", "demo");
    assertThat(cancelled.exitCode()).as(cancelled.err()).isZero();
    assertThat(cancelled.out()).contains("cancelled schedule " + id);
    assertThat(CliRun.in(admin, "schedules", "list", "--project", "demo").out())
        .containsPattern(id + " +experiment +checkout-button +stop +" + at + " +cancelled");
    CliRun removed = CliRun.in(admin, "schedules", "cancel", id, "--project", "demo");
    assertThat(removed.out()).contains("removed finished schedule " + id);
    assertThat(CliRun.in(admin, "schedules", "list", "--project", "demo").out()).doesNotContain(id);
  }

  @Test
  void badInput_namesTheProblem() {
    CliRun target = CliRun.in(admin, "schedules", "create", "segment", "x", "kill", "--at", "2030-01-01T00:00:00Z");
    assertThat(target.exitCode()).isNotZero();
    assertThat(target.err()).contains("TARGET must be 'flag' or 'experiment'");
    CliRun past = CliRun.in(admin, "schedules", "create", "flag", "new-header", "kill", "--at",
        "2020-01-01T00:00:00Z", "--project", "demo");
    assertThat(past.exitCode()).isNotZero();
    assertThat(past.err()).contains("at").contains("future");
    CliRun action = CliRun.in(admin, "schedules", "create", "flag", "new-header", "conclude", "--at",
        "2030-01-01T00:00:00Z", "--project", "demo");
    assertThat(action.err()).contains("action");
    CliRun plan = CliRun.in(admin, "schedules", "create", "flag", "new-header", "start", "--environment",
        "production", "--plan", "{\"steps\":[0.5,0.2,1.0]}", "--at", "2030-01-01T00:00:00Z", "--project", "demo");
    assertThat(plan.exitCode()).isNotZero();
    assertThat(plan.err()).contains("plan.steps[1]");
    CliRun noEnv = CliRun.in(admin, "schedules", "create", "flag", "new-header", "pause", "--at",
        "2030-01-01T00:00:00Z", "--project", "demo");
    assertThat(noEnv.err()).contains("environment");
    CliRun missing = CliRun.in(admin, "schedules", "cancel", "no-such-id", "--project", "demo");
    assertThat(missing.exitCode()).isNotZero();
    assertThat(missing.err()).contains("not found");
  }
}
