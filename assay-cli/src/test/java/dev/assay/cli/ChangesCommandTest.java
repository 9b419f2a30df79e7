package dev.assay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code assay changes} against a real server: alice opens a change request from a file, her own
 * approval fails with the server's message, bob approves and the flag changes; list and show.
 */
class ChangesCommandTest {
  static RemoteServer server;
  static CliContext alice;
  static CliContext bob;

  @BeforeAll
  static void start(@TempDir Path data, @TempDir Path home) throws Exception {
    server = new RemoteServer(data);
    alice = context(home.resolve("a"), "alice");
    bob = context(home.resolve("b"), "bob");
    server.api("PUT", "/approval-policies/production?project=demo", "{\"approvals\":1,\"role\":\"experimenter\"}");
  }

  private static CliContext context(Path home, String name) throws Exception {
    String token = server.api("POST", "/api-keys", "{\"name\":\"" + name + "\",\"role\":\"experimenter\"}")
        .path("token").asText();
    return RemoteServer.context(home, Map.of("ASSAY_SERVER", server.url(), "ASSAY_TOKEN", token));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void openApproveByAnother_appliesIt(@TempDir Path tmp) throws Exception {
    JsonNode flags = server.api("GET", "/flags?project=demo", null).path("items");
    JsonNode flag = null;
    for (JsonNode f : flags) {
      if (f.path("environments").has("production")) {
        flag = f;
        break;
      }
    }
    assertThat(flag).as("a demo flag with production settings").isNotNull();
    String key = flag.path("key").asText();
    ObjectNode doc = flag.deepCopy();
    doc.remove(List.of("version", "createdAt", "updatedAt", "project", "killed"));
    ((ObjectNode) doc.path("environments").path("production")).put("enabled",
        !flag.path("environments").path("production").path("enabled").asBoolean(true));
    Path file = tmp.resolve("flag.json");
    Files.writeString(file, doc.toString());

    CliRun opened = CliRun.in(alice, "changes", "open", "--project", "demo", "--target", "flag", "--key", key,
        "-f", file.toString(), "--title", "flip production", "--output", "json");
    assertThat(opened.exitCode()).as(opened.err()).isZero();
    JsonNode cr = RemoteServer.JSON.readTree(opened.out());
    String id = cr.path("id").asText();
    assertThat(cr.path("changes").toString()).contains("/environments/production/enabled");

    CliRun own = CliRun.in(alice, "changes", "approve", id, "--project", "demo");
    assertThat(own.exitCode()).isNotZero();
    assertThat(own.err()).contains("own_change");

    CliRun list = CliRun.in(bob, "changes", "list", "--project", "demo", "--status", "open");
    assertThat(list.exitCode()).as(list.err()).isZero();
    assertThat(list.out()).contains(id, key, "0/1");
    CliRun show = CliRun.in(bob, "changes", "show", id, "--project", "demo");
    assertThat(show.out()).contains("replace /environments/production/enabled");

    CliRun approved = CliRun.in(bob, "changes", "approve", id, "--project", "demo", "--comment", "ok");
    assertThat(approved.exitCode()).as(approved.err()).isZero();
    assertThat(approved.out()).contains("applied");
    assertThat(server.api("GET", "/flags/" + key + "?project=demo", null).path("environments").path("production")
        .path("enabled").asBoolean()).isEqualTo(doc.path("environments").path("production").path("enabled").asBoolean());

    CliRun withdraw = CliRun.in(alice, "changes", "withdraw", id, "--project", "demo");
    assertThat(withdraw.exitCode()).isNotZero();
    assertThat(withdraw.err()).contains("not_open");
  }
}
