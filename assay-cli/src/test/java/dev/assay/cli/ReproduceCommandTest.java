package dev.assay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code assay reproduce SNAPSHOT_ID} against a real server (embedded store and DuckDB warehouse):
 * right after a refresh every number matches and the exit code is 0; after more events in the
 * snapshot's window the table shows the numbers that moved and the exit code is 3. Data by hand:
 * 6 units per variation, signups by 2 control units and 4 treatment units, so control's Σy is 2.
 */
class ReproduceCommandTest {
  static RemoteServer server;
  static CliContext admin;

  @BeforeAll
  static void start(@TempDir Path data, @TempDir Path home) throws Exception {
    server = new RemoteServer(data);
    admin = server.admin(home);
    server.api("POST", "/metrics", "{\"key\":\"signup\",\"type\":\"proportion\",\"event\":\"signup\"}");
    server.api("POST", "/experiments", """
        {"key":"repro","variants":[{"key":"control","weight":0.5},{"key":"short","weight":0.5}],
         "metrics":{"primary":"signup"}}""");
    server.api("POST", "/experiments/repro/start", "{}");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void reproduce_matchesRightAfterRefresh_thenReportsTheMismatchAfterNewEvents() throws Exception {
    ArrayNode batch = RemoteServer.JSON.createArrayNode();
    String now = Instant.now().plusSeconds(1).toString();
    for (int i = 0; i < 12; i++) {
      int variation = i < 6 ? 0 : 1;
      batch.addObject().put("id", "x" + i).put("type", "exposure").put("experimentKey", "repro")
          .put("variationId", variation).put("unitId", "u" + i).put("timestamp", now);
      if (i < 2 || (i >= 6 && i < 10)) {
        batch.add(signup("s" + i, i, now));
      }
    }
    assertThat(server.api("POST", "/events?project=default", batch.toString()).path("accepted").asInt())
        .isEqualTo(batch.size());
    long id = server.api("POST", "/experiments/repro/refresh", null).path("snapshotId").asLong();
    assertThat(id).isPositive();

    CliRun results = CliRun.in(admin, "results", "repro");
    assertThat(results.out()).as("the id reproduce takes").contains(" · snapshot " + id + "\n");

    CliRun same = CliRun.in(admin, "reproduce", String.valueOf(id));
    assertThat(same.exitCode()).as(same.out() + same.err()).isZero();
    assertThat(same.out()).contains("snapshot " + id + " · experiment repro · phase 1")
        .containsPattern("METRIC +VARIANT +LEVEL +STATISTIC +RECORDED +RECOMPUTED +MATCH")
        .containsPattern("signup +control +- +sum_y +2\\.0 +2\\.0 +yes")
        .containsPattern("\\(exposures\\) +short +- +units +6 +6 +yes")
        .contains("reproduced: every recorded number came back equal").doesNotContain("NO");

    ArrayNode late = RemoteServer.JSON.createArrayNode();
    late.add(signup("late2", 2, now));
    server.api("POST", "/events?project=default", late.toString());

    CliRun moved = CliRun.in(admin, "reproduce", String.valueOf(id));
    assertThat(moved.exitCode()).as(moved.out() + moved.err()).isEqualTo(ReproduceCommand.EXIT_NOT_REPRODUCED);
    assertThat(moved.out()).containsPattern("signup +control +- +sum_y +2\\.0 +3\\.0 +NO")
        .containsPattern("signup +short +- +sum_y +4\\.0 +4\\.0 +yes")
        .contains("rows read by query 1 (metric): 12 exposures, 6 metric events then, 12 exposures, 7 metric events now")
        .contains("NOT reproduced: ");

    CliRun json = CliRun.in(admin, "reproduce", String.valueOf(id), "--output", "json");
    assertThat(json.exitCode()).isEqualTo(ReproduceCommand.EXIT_NOT_REPRODUCED);
    JsonNode r = RemoteServer.JSON.readTree(json.out());
    assertThat(r.path("reproduced").asBoolean()).isFalse();
    assertThat(r.path("snapshotId").asLong()).isEqualTo(id);
  }

  @Test
  void reproduce_badOrUnknownId_failsNamingIt() {
    CliRun word = CliRun.in(admin, "reproduce", "abc");
    assertThat(word.exitCode()).isEqualTo(2);
    assertThat(word.err()).contains("SNAPSHOT_ID");
    CliRun zero = CliRun.in(admin, "reproduce", "0");
    assertThat(zero.exitCode()).isEqualTo(2);
    assertThat(zero.err()).contains("SNAPSHOT_ID must be a positive whole number");
    CliRun unknown = CliRun.in(admin, "reproduce", "987654");
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.err()).contains("404").contains("no results snapshot 987654");
  }

  private static JsonNode signup(String id, int unit, String ts) {
    return RemoteServer.JSON.createObjectNode().put("id", id).put("type", "metric").put("name", "signup")
        .put("unitId", "u" + unit).put("timestamp", ts);
  }
}
