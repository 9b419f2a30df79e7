package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.server.alerts.AlertOptions;
import dev.assay.testsupport.Await;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The alerts raised by time (safety.AlertWatch) through a real server on a simulated clock, delivered
 * to a real receiver: experiment.minimum_runtime once per phase, flag.stale once per flag version,
 * and the {@code /stale-flags} list.
 */
class TimeAlertsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AlertOptions FAST = new AlertOptions(4, Duration.ofMillis(50), Duration.ofMillis(200),
      Duration.ofSeconds(5), true);

  /** The server's clock, moved forward by the test. */
  static final class SimClock extends Clock {
    final AtomicLong millis = new AtomicLong(System.currentTimeMillis());

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public long millis() {
      return millis.get();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis());
    }

    void advance(Duration d) {
      millis.addAndGet(d.toMillis());
    }
  }

  private final AlertReceiver receiver = new AlertReceiver();
  private final SimClock clock = new SimClock();
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    receiver.close();
  }

  private void start(String types) {
    server = new TestServer(b -> b.alerts(FAST).clock(clock));
    TestServer.Response r = server.admin("POST", "/api/v1/alert-channels", "{\"key\":\"ops\",\"url\":\""
        + receiver.url() + "\",\"format\":\"json\",\"types\":" + types + "}");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
  }

  private void ok(String method, String path, String body, int status) {
    TestServer.Response r = server.admin(method, path, body);
    assertThat(r.status()).as(method + " " + path + ": " + r.body()).isEqualTo(status);
  }

  private void experiment(String key, int days) {
    ok("POST", "/api/v1/experiments", "{\"key\":\"" + key + "\",\"minimumRuntimeDays\":" + days
        + ",\"variants\":[{\"key\":\"a\",\"weight\":0.5},{\"key\":\"b\",\"weight\":0.5}]}", 201);
    ok("POST", "/api/v1/experiments/" + key + "/start", "{}", 200);
  }

  private java.util.List<String> runtimeAlerts() {
    return receiver.of("experiment.minimum_runtime").stream().map(r -> {
      try {
        return JSON.readTree(r.body()).at("/data/experiment").asText();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }).toList();
  }

  @Test
  void minimumRuntime_raisedOnceWhenTheCurrentPhaseHasRunItsDays() throws Exception {
    start("[\"experiment.minimum_runtime\"]");
    experiment("e6", 6);
    experiment("e7", 7);
    experiment("e8", 8);
    clock.advance(Duration.ofDays(6).plusMinutes(1));
    Await.until(() -> runtimeAlerts().contains("e6"), Duration.ofSeconds(20), () -> "e6 delivered: " + runtimeAlerts());
    assertThat(runtimeAlerts()).as("e7 has run 6 of its 7 days").doesNotContain("e7", "e8");
    clock.advance(Duration.ofDays(2));
    // e7 and e8 both fall due on this advance; the outbox may deliver them in either order.
    Await.until(() -> runtimeAlerts().containsAll(java.util.List.of("e7", "e8")), Duration.ofSeconds(20),
        () -> "e7 and e8 delivered: " + runtimeAlerts());
    JsonNode body = JSON.readTree(receiver.of("experiment.minimum_runtime").stream()
        .filter(r -> r.body().contains("\"e7\"")).findFirst().orElseThrow().body());
    assertThat(body.at("/data/phase").asInt()).isEqualTo(1);
    assertThat(body.at("/data/minimumRuntimeDays").asInt()).isEqualTo(7);
    // Passes after e6's ran again (e8 came later), yet e6 was queued once.
    JsonNode queued = server.admin("GET", "/api/v1/alerts?limit=500", null).json().path("items");
    assertThat(queued).filteredOn(d -> d.path("type").asText().equals("experiment.minimum_runtime")).hasSize(3);
    assertThat(runtimeAlerts()).containsExactlyInAnyOrder("e6", "e7", "e8");
  }

  @Test
  void staleFlag_listedWithItsReason_andRaisedOnce() throws Exception {
    start("[\"flag.stale\"]");
    ok("POST", "/api/v1/flags", "{\"key\":\"old\",\"type\":\"boolean\",\"defaultValue\":true}", 201);
    ok("POST", "/api/v1/flags", "{\"key\":\"split\",\"type\":\"boolean\",\"defaultValue\":false,\"environments\":"
        + "{\"production\":{\"rules\":[{\"value\":true,\"coverage\":0.5}]}}}", 201);
    JsonNode none = server.admin("GET", "/api/v1/stale-flags", null).json();
    assertThat(none.path("days").asInt()).isEqualTo(30);
    assertThat(none.path("items")).as("both flags were just changed").isEmpty();

    clock.advance(Duration.ofDays(31));
    JsonNode listed = server.admin("GET", "/api/v1/stale-flags", null).json().path("items");
    assertThat(listed).extracting(n -> n.path("key").asText()).containsExactly("old");
    assertThat(listed.get(0).path("reason").asText()).contains("the value true").contains("every environment");
    assertThat(server.admin("GET", "/api/v1/stale-flags?days=40", null).json().path("items")).isEmpty();

    Await.until(() -> !receiver.of("flag.stale").isEmpty(), Duration.ofSeconds(20), () -> "flag.stale delivered");
    JsonNode body = JSON.readTree(receiver.of("flag.stale").get(0).body());
    assertThat(body.at("/data/flag").asText()).isEqualTo("old");
    // 31 simulated days less the real seconds between the clock's start and the flag's write.
    assertThat(body.at("/data/reason").asText()).containsPattern("unchanged for 3[01] days \\(at least 30\\)");
    assertThat(receiver.of("flag.stale")).hasSize(1);
  }

  @Test
  void staleFlags_badDays_is400NamingTheField() {
    start("[\"*\"]");
    for (String bad : new String[] {"x", "-1", "99999999999", "3651"}) {
      TestServer.Response r = server.admin("GET", "/api/v1/stale-flags?days=" + bad, null);
      assertThat(r.status()).as(bad + ": " + r.body()).isEqualTo(400);
      assertThat(r.body()).contains("days");
    }
    assertThat(server.admin("GET", "/api/v1/stale-flags?project=nope", null).status()).isEqualTo(404);
  }
}
