package dev.assay.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.server.AssayServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code assay simulate} against a real demo server: what it reports arrives at the server. */
class SimulateCommandTest {

  private static final String ADMIN = "simulate-test-admin-token";
  private static final Pattern DONE = Pattern.compile(
      "Done: ([0-9,]+) users, ([0-9,]+) exposed .*?, ([0-9,]+) conversions .*dropped 0");

  @Test
  void simulate_demoExperiment_exposuresAndConversionsArriveAtTheServer(@TempDir Path data) throws Exception {
    try (AssayServer server = AssayServer.builder().port(0).host("127.0.0.1").dataDir(data).demo(true)
        .adminToken(ADMIN).start()) {
      String base = "http://127.0.0.1:" + server.port();
      long from = System.currentTimeMillis();

      CliRun run = CliRun.of("simulate", "--server", base, "--key", server.demoClientKey().orElseThrow(),
          "--experiment", "checkout-button", "--users", "2000", "--effect", "0.5", "--rate", "0", "--seed", "7");

      assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
      assertThat(run.out()).contains("simulate: 2,000/2,000 users");
      Matcher m = DONE.matcher(run.out());
      assertThat(m.find()).as(run.out()).isTrue();
      long exposed = Long.parseLong(m.group(2).replace(",", ""));
      long conversions = Long.parseLong(m.group(3).replace(",", ""));
      // checkout-button holds half of its layer: about half the users are in it.
      assertThat(exposed).isBetween(800L, 1_200L);
      JsonNode summary = summary(base, from);
      long serverExposures = 0;
      for (JsonNode c : summary.get("byExperiment")) {
        if (c.get("experimentKey").asText().equals("checkout-button")) {
          serverExposures += c.get("exposures").asLong();
        }
      }
      assertThat(serverExposures).isEqualTo(exposed);
      long purchases = 0;
      for (JsonNode n : summary.get("byName")) {
        if (n.get("name").asText().equals("purchase")) {
          purchases = n.get("events").asLong();
        }
      }
      assertThat(purchases).isEqualTo(conversions).isPositive();
    }
  }

  @Test
  void simulate_badInput_exit2NamingTheOption(@TempDir Path data) throws Exception {
    try (AssayServer server = AssayServer.builder().port(0).host("127.0.0.1").dataDir(data).demo(true).start()) {
      String base = "http://127.0.0.1:" + server.port();
      String key = server.demoClientKey().orElseThrow();

      CliRun unknown = CliRun.of("simulate", "--server", base, "--key", key, "--experiment", "nope");
      CliRun badKey = CliRun.of("simulate", "--server", base, "--key", "sdk-nope", "--experiment", "checkout-button");
      CliRun effect = CliRun.of("simulate", "--server", base, "--key", key, "--experiment", "checkout-button",
          "--effect", "20");

      assertThat(unknown.exitCode()).isEqualTo(2);
      assertThat(unknown.err()).contains("--experiment").contains("no feature 'nope'");
      assertThat(badKey.exitCode()).isEqualTo(2);
      assertThat(badKey.err()).contains("--server").contains("HTTP 404");
      assertThat(effect.exitCode()).isEqualTo(2);
      assertThat(effect.err()).contains("--effect");
    }
  }

  private static JsonNode summary(String base, long from) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(base + "/api/v1/events/summary?from=" + from + "&limit=1"))
        .header("Authorization", "Bearer " + ADMIN).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new ObjectMapper().readTree(r.body());
  }
}
