package dev.assay.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.testsupport.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The rollout and breaker sections of the flag and experiment pages over real HTTP: a rollout
 * started, paused, resumed, advanced and rolled back through the UI is in that state in {@code
 * GET /flags/{key}/rollout}; hostile plans and reasons get a message naming the field and change
 * nothing; a breaker tripped by error signals sent to the events API shows tripped with its
 * reason, and re-arming it in the UI arms it again; a viewer sees and cannot act.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SafetyUiTest {
  UiTestServer t;
  String clientKey;

  @BeforeAll
  void start() {
    t = UiTestServer.embedded();
    t.user("vera", "viewer");
    clientKey = t.ok("POST", "/sdk-connections", "{\"name\":\"web\",\"environment\":\"production\"}").path("key")
        .asText();
    t.ok("POST", "/flags", """
        {"key":"checkout","type":"string","defaultValue":"old",
         "environments":{"production":{"rules":[{"value":"new"}]}}}""");
    t.ok("POST", "/metrics", "{\"key\":\"purchase\",\"type\":\"proportion\",\"event\":\"purchase\"}");
    t.ok("POST", "/experiments", """
        {"key":"exp","variants":[{"key":"control","weight":0.5,"value":"a"},{"key":"treatment","weight":0.5,"value":"b"}],
         "metrics":{"primary":"purchase"}}""");
    t.ok("POST", "/flags", """
        {"key":"exp-flag","type":"string","defaultValue":"a",
         "environments":{"production":{"rules":[{"experiment":"exp"}]}}}""");
    t.ok("POST", "/experiments/exp/start", "{}");
  }

  @AfterAll
  void stop() {
    t.close();
  }

  private JsonNode rollout() {
    return t.ok("GET", "/flags/checkout/rollout?environment=production", null);
  }

  private static int status(HttpResponse<String> r) {
    return r.statusCode();
  }

  @Test
  void rolloutDrivenThroughTheUi_isInThatStateInTheApi() {
    UiClient admin = t.signIn("admin");
    String page = "/ui/flags/checkout";
    assertThat(admin.get(page).body()).contains("data-testid=\"rollout-production-start\"");

    // hostile plans: each refused with its field named, nothing started
    for (String[] bad : new String[][] {{"steps", "10, 5, 100", "steps"}, {"steps", "10, fifty, 100", "steps"},
        {"steps", "10, 50", "steps"}, {"steps", "NaN, 100", "steps"}, {"dwellSeconds", "-1", "dwellSeconds"},
        {"dwellSeconds", "9999999999999999999999", "dwellSeconds"}, {"gates.errorRateMargin", "2", "gates-errorRateMargin"},
        {"rule", "7", "rule"}}) {
      Map<String, String> f = ChangeRequestPagesTest.form(admin, page, "rule", "0", "steps", "10, 50, 100",
          "dwellSeconds", "3600", "gates.srm", "true");
      f.put(bad[0], bad[1]);
      HttpResponse<String> r = admin.post("/ui/flags/checkout/rollout/production/start", f);
      assertThat(status(r)).as(bad[0] + "=" + bad[1]).isEqualTo(400);
      assertThat(r.body()).as(bad[0] + "=" + bad[1]).contains("aria-invalid=\"true\"");
      if (!bad[0].equals("rule")) {
        assertThat(r.body()).as(bad[0] + "=" + bad[1]).contains("id=\"rollout-production-" + bad[2] + "-error\"");
      }
    }
    assertThat(t.api("GET", "/flags/checkout/rollout?environment=production", null).statusCode()).isEqualTo(404);

    HttpResponse<String> started = admin.post("/ui/flags/checkout/rollout/production/start",
        ChangeRequestPagesTest.form(admin, page, "rule", "0", "steps", "10, 50, 100", "dwellSeconds", "3600",
            "gates.errorRateMargin", "0.01", "gates.srm", "true"));
    assertThat(status(started)).as(started.body()).isEqualTo(303);
    JsonNode r = rollout();
    assertThat(r.path("status").asText()).isEqualTo("running");
    assertThat(r.path("step").asInt()).isZero();
    assertThat(r.path("steps").toString()).isEqualTo("[0.1,0.5,1.0]");
    assertThat(r.path("dwellSeconds").asLong()).isEqualTo(3600);
    assertThat(r.at("/gates/errorRateMargin").asDouble()).isEqualTo(0.01);
    assertThat(admin.get(page).body()).contains("data-testid=\"rollout-production-status\">running", "[10%] → 50% → 100%",
        "error rate at most 0.01 above control");

    act(admin, "pause", "investigating a ticket");
    assertThat(rollout().path("status").asText()).isEqualTo("paused");
    assertThat(rollout().path("history").toString()).contains("investigating a ticket");
    assertThat(admin.get(page).body()).contains("rollout-production-status\">paused", "value=\"resume\"");

    HttpResponse<String> tooLong = admin.post("/ui/flags/checkout/rollout/production",
        ChangeRequestPagesTest.form(admin, page, "action", "resume", "reason", "r".repeat(501)));
    assertThat(status(tooLong)).isEqualTo(400);
    assertThat(tooLong.body()).contains("id=\"rollout-production-reason-error\"", "at most 500");
    HttpResponse<String> unknown = admin.post("/ui/flags/checkout/rollout/production",
        ChangeRequestPagesTest.form(admin, page, "action", "explode"));
    assertThat(status(unknown)).isEqualTo(400);
    assertThat(unknown.body()).contains("action: must be one of");
    assertThat(rollout().path("status").asText()).isEqualTo("paused");

    act(admin, "resume", "");
    assertThat(rollout().path("status").asText()).isEqualTo("running");
    act(admin, "advance", "looks healthy");
    assertThat(rollout().path("step").asInt()).isEqualTo(1);
    act(admin, "rollback", "error spike");
    assertThat(rollout().path("status").asText()).isEqualTo("rolled_back");
    assertThat(rollout().path("step").asInt()).isZero();

    UiClient vera = t.signIn("vera");
    String seen = vera.get(page).body();
    assertThat(seen).contains("rollout-production-status\">rolled_back").doesNotContain("rollout-production-actions");
    assertThat(status(vera.post("/ui/flags/checkout/rollout/production",
        ChangeRequestPagesTest.form(vera, page, "action", "resume")))).isEqualTo(403);
    assertThat(rollout().path("status").asText()).isEqualTo("rolled_back");
  }

  private void act(UiClient c, String action, String reason) {
    HttpResponse<String> r = c.post("/ui/flags/checkout/rollout/production",
        ChangeRequestPagesTest.form(c, "/ui/flags/checkout", "action", action, "reason", reason));
    assertThat(status(r)).as(r.body()).isEqualTo(303);
  }

  @Test
  void breakerTrippedBySignals_showsTrippedOnTheExperimentPage_andRearmsFromTheUi() throws Exception {
    UiClient admin = t.signIn("admin");
    assertThat(admin.get("/ui/experiments/exp").body()).contains("None armed on this experiment");
    t.ok("PUT", "/experiments/exp/breaker", "{\"errorRateMargin\":0.02}");
    assertThat(admin.get("/ui/experiments/exp").body()).contains("data-testid=\"breaker-state\">armed",
        "error rate above control by more than 0.02");

    Random random = new Random(17);
    Await.until(() -> {
      signals(random, 500, 0.01, 0.25);
      return t.ok("GET", "/experiments/exp/breaker", null).path("state").asText().equals("tripped");
    }, Duration.ofSeconds(30), "the breaker trips on the treatment's error regression");
    String reason = t.ok("GET", "/experiments/exp/breaker", null).at("/tripped/reason").asText();
    String page = admin.get("/ui/experiments/exp").body();
    assertThat(page).contains("data-testid=\"breaker-state\">tripped", "data-testid=\"breaker-trip\"");
    assertThat(page).contains(reason.substring(0, Math.min(30, reason.length())));

    UiClient vera = t.signIn("vera");
    assertThat(vera.get("/ui/experiments/exp").body()).contains("breaker-state\">tripped")
        .doesNotContain("Re-arm breaker");
    assertThat(status(vera.post("/ui/experiments/exp/breaker/rearm",
        ChangeRequestPagesTest.form(vera, "/ui/experiments/exp")))).isEqualTo(403);

    long version = t.ok("GET", "/experiments/exp/breaker", null).path("version").asLong();
    HttpResponse<String> rearmed = admin.post("/ui/experiments/exp/breaker/rearm",
        ChangeRequestPagesTest.form(admin, "/ui/experiments/exp"));
    assertThat(status(rearmed)).as(rearmed.body()).isEqualTo(303);
    JsonNode b = t.ok("GET", "/experiments/exp/breaker", null);
    assertThat(b.path("state").asText()).isEqualTo("armed");
    assertThat(b.path("version").asLong()).isEqualTo(version + 1);
    assertThat(b.path("errorRateMargin").asDouble()).isEqualTo(0.02);

    assertThat(status(admin.post("/ui/flags/checkout/breaker/rearm", ChangeRequestPagesTest.form(admin,
        "/ui/flags/checkout")))).as("no breaker on the flag").isEqualTo(404);
  }

  /* One batch of operational signals per variation of "exp": latencies, and errors at the given rates. */
  private void signals(Random random, int n, double controlErrors, double treatmentErrors) {
    StringBuilder b = new StringBuilder();
    long now = System.currentTimeMillis();
    for (int i = 0; i < 2 * n; i++) {
      int v = i % 2;
      String tag = "{\"experimentKey\":\"exp\",\"variationId\":" + v + "}";
      String unit = "user-" + random.nextInt(100_000);
      b.append("{\"id\":\"").append(UUID.randomUUID()).append("\",\"type\":\"metric\",\"name\":\"$latency_ms\",")
          .append("\"unitId\":\"").append(unit).append("\",\"timestamp\":").append(now).append(",\"value\":")
          .append(50 + random.nextInt(100)).append(",\"properties\":").append(tag).append("}\n");
      if (random.nextDouble() < (v == 0 ? controlErrors : treatmentErrors)) {
        b.append("{\"id\":\"").append(UUID.randomUUID()).append("\",\"type\":\"metric\",\"name\":\"$error\",")
            .append("\"unitId\":\"").append(unit).append("\",\"timestamp\":").append(now)
            .append(",\"properties\":").append(tag).append("}\n");
      }
    }
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + t.port() + "/api/v1/events")).header("Authorization", "Bearer " + clientKey)
          .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(b.toString()))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isBetween(200, 202);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
