package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.server.alerts.AlertOptions;
import dev.assay.testsupport.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Alerts over a real server and a real receiver on 127.0.0.1: signed deliveries, both formats,
 * subscriptions, an outage then recovery (same idempotency key, never lost), pending deliveries
 * across a restart, the dead-letter list and retry, the SSRF checks, and a slow receiver that
 * does not slow the API.
 */
class AlertsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Short backoff so retries happen within a test; private targets allowed for the local receiver. */
  private static final AlertOptions FAST = new AlertOptions(4, Duration.ofMillis(50), Duration.ofMillis(200),
      Duration.ofSeconds(5), true);

  private final AlertReceiver receiver = new AlertReceiver();
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    receiver.close();
  }

  private TestServer start(AlertOptions options) {
    server = new TestServer(b -> b.alerts(options));
    return server;
  }

  private JsonNode channel(String key, String format, String types) {
    TestServer.Response r = server.admin("POST", "/api/v1/alert-channels", "{\"key\":\"" + key + "\",\"url\":\""
        + receiver.url() + "\",\"format\":\"" + format + "\",\"types\":" + types + "}");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json();
  }

  private JsonNode deliveries(String query) {
    TestServer.Response r = server.admin("GET", "/api/v1/alerts" + query, null);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().path("items");
  }

  private JsonNode delivery(String id) {
    for (JsonNode d : deliveries("?limit=500")) {
      if (d.path("id").asText().equals(id)) {
        return d;
      }
    }
    throw new AssertionError("no delivery " + id);
  }

  private String test(String channel) {
    TestServer.Response r = server.admin("POST", "/api/v1/alert-channels/" + channel + "/test", null);
    assertThat(r.status()).as(r.body()).isEqualTo(202);
    return r.json().path("id").asText();
  }

  private void awaitStatus(String id, String status) throws InterruptedException {
    Await.until(() -> delivery(id).path("status").asText().equals(status), Duration.ofSeconds(30),
        () -> "delivery " + id + " " + status + ": " + delivery(id));
  }

  private static String hmac(String secret, String message) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void testAlert_signedWithTheSecretShownOnce_idempotencyKeyIsTheDeliveryId() throws Exception {
    start(FAST);
    JsonNode created = channel("ops", "json", "[\"*\"]");
    String secret = created.path("secret").asText();
    assertThat(secret).startsWith("whsec_").hasSizeGreaterThan(40);
    JsonNode listed = server.admin("GET", "/api/v1/alert-channels", null).json().path("items");
    assertThat(listed).hasSize(1);
    assertThat(listed.get(0).has("secret")).as("the secret is shown only at creation").isFalse();
    assertThat(listed.get(0).path("url").asText()).isEqualTo(receiver.url());

    String id = test("ops");
    awaitStatus(id, "delivered");
    AlertReceiver.Received got = receiver.of("test").get(0);
    assertThat(got.deliveryId()).isEqualTo(id);
    assertThat(got.idempotencyKey()).isEqualTo(id);
    String[] parts = got.signature().split(",");
    assertThat(parts[0]).startsWith("t=");
    String t = parts[0].substring(2);
    assertThat(Long.parseLong(t)).isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(60L));
    assertThat(parts[1]).isEqualTo("v1=" + hmac(secret, t + "." + got.body()));
    assertThat(parts[1]).as("another secret does not verify").isNotEqualTo("v1=" + hmac(secret + "x", t + "." + got.body()));
    JsonNode body = JSON.readTree(got.body());
    assertThat(body.path("id").asText()).isEqualTo(id);
    assertThat(body.path("type").asText()).isEqualTo("test");
    assertThat(body.path("project").asText()).isEqualTo("default");
    assertThat(body.at("/data/channel").asText()).isEqualTo("ops");
    assertThat(delivery(id).path("attempts").asInt()).isEqualTo(1);
  }

  @Test
  void flagKilled_goesToSubscribedChannelsOnly_slackFormatIsText() throws Exception {
    start(FAST);
    channel("slack", "slack", "[\"flag.killed\"]");
    channel("starts", "json", "[\"experiment.started\"]");
    assertThat(server.admin("POST", "/api/v1/flags",
        "{\"key\":\"dark\",\"type\":\"boolean\",\"defaultValue\":false}").status()).isEqualTo(201);
    assertThat(server.admin("POST", "/api/v1/flags/dark/kill", "{\"reason\":\"incident 7\"}").status()).isEqualTo(200);
    // The outbox rows are written before the kill answers: one, for the subscribed channel.
    JsonNode queued = deliveries("");
    assertThat(queued).hasSize(1);
    assertThat(queued.get(0).path("channel").asText()).isEqualTo("slack");
    assertThat(queued.get(0).path("type").asText()).isEqualTo("flag.killed");
    awaitStatus(queued.get(0).path("id").asText(), "delivered");
    JsonNode slack = JSON.readTree(receiver.of("flag.killed").get(0).body());
    assertThat(slack.size()).as("Slack's incoming-webhook shape: text only").isEqualTo(1);
    assertThat(slack.path("text").asText()).contains("flag 'dark'").contains("kill");
  }

  @Test
  void experimentStarted_raisesAnAlert() throws Exception {
    start(FAST);
    channel("starts", "json", "[\"experiment.started\", \"experiment.stopped\"]");
    assertThat(server.admin("POST", "/api/v1/experiments",
        "{\"key\":\"e1\",\"variants\":[{\"key\":\"a\",\"weight\":0.5},{\"key\":\"b\",\"weight\":0.5}]}").status())
        .isEqualTo(201);
    TestServer.Response started = server.admin("POST", "/api/v1/experiments/e1/start", "{}");
    assertThat(started.status()).as(started.body()).isEqualTo(200);
    Await.until(() -> !receiver.of("experiment.started").isEmpty(), "experiment.started delivered");
    JsonNode body = JSON.readTree(receiver.of("experiment.started").get(0).body());
    assertThat(body.at("/data/experiment").asText()).isEqualTo("e1");
    assertThat(body.at("/data/actor").asText()).isNotEmpty();
  }

  @Test
  void receiverOutageThenRecovery_deliveredOnceRecovered_everyAttemptWithTheSameId() throws Exception {
    start(new AlertOptions(20, Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofSeconds(5), true));
    channel("ops", "json", "[\"*\"]");
    receiver.status.set(500);
    String id = test("ops");
    Await.until(() -> receiver.received.size() >= 3, "three failed attempts");
    JsonNode failing = delivery(id);
    assertThat(failing.path("status").asText()).isEqualTo("pending");
    assertThat(failing.path("lastError").asText()).isEqualTo("HTTP 500");
    receiver.status.set(204);
    awaitStatus(id, "delivered");
    List<AlertReceiver.Received> all = receiver.received;
    assertThat(all).extracting(AlertReceiver.Received::idempotencyKey).containsOnly(id);
    assertThat(all).extracting(AlertReceiver.Received::body).as("the same body on every attempt").containsOnly(
        all.get(0).body());
    assertThat(delivery(id).path("attempts").asInt()).isEqualTo(all.size());
  }

  @Test
  void pendingDeliveries_survivesRestart_deliveredAfterIt() throws Exception {
    AlertOptions slow = new AlertOptions(20, Duration.ofMillis(200), Duration.ofMillis(400), Duration.ofSeconds(5), true);
    start(slow);
    channel("ops", "json", "[\"*\"]");
    receiver.status.set(503);
    String id = test("ops");
    Await.until(() -> !receiver.received.isEmpty(), "a failed attempt");
    java.nio.file.Path dataDir = server.dataDir;
    server.close();
    server = null;
    int before = receiver.received.size();
    receiver.status.set(200);
    server = new TestServer(b -> b.dataDir(dataDir).alerts(slow));
    awaitStatus(id, "delivered");
    assertThat(receiver.received.size()).isGreaterThan(before);
    assertThat(receiver.received).extracting(AlertReceiver.Received::deliveryId).containsOnly(id);
  }

  @Test
  void deadLetter_afterMaxAttempts_retryDeliversIt() throws Exception {
    start(new AlertOptions(3, Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofSeconds(5), true));
    channel("ops", "json", "[\"*\"]");
    receiver.status.set(500);
    String id = test("ops");
    awaitStatus(id, "dead");
    assertThat(receiver.received).hasSize(3);
    JsonNode dead = server.admin("GET", "/api/v1/alerts/dead-letter", null).json().path("items");
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).path("id").asText()).isEqualTo(id);
    assertThat(dead.get(0).path("attempts").asInt()).isEqualTo(3);

    receiver.status.set(200);
    TestServer.Response retried = server.admin("POST", "/api/v1/alerts/dead-letter/" + id + "/retry", null);
    assertThat(retried.status()).as(retried.body()).isEqualTo(202);
    awaitStatus(id, "delivered");
    assertThat(receiver.received).hasSize(4);
    assertThat(server.admin("GET", "/api/v1/alerts/dead-letter", null).json().path("items")).isEmpty();
    TestServer.Response again = server.admin("POST", "/api/v1/alerts/dead-letter/" + id + "/retry", null);
    assertThat(again.status()).as("only a dead delivery can be retried").isEqualTo(409);
    assertThat(server.admin("POST", "/api/v1/alerts/dead-letter/alr_nope/retry", null).status()).isEqualTo(404);
  }

  @Test
  void channelDeleted_itsPendingDeliveryGoesDead_receiverDownCountsAsAFailure() throws Exception {
    start(new AlertOptions(20, Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofSeconds(5), true));
    int closed;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = probe.getLocalPort();
    }
    TestServer.Response r = server.admin("POST", "/api/v1/alert-channels",
        "{\"key\":\"gone\",\"url\":\"http://127.0.0.1:" + closed + "/hook\"}");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    String id = test("gone");
    Await.until(() -> delivery(id).path("attempts").asInt() >= 1, "a refused connection");
    assertThat(delivery(id).path("status").asText()).isEqualTo("pending");
    assertThat(delivery(id).path("lastError").asText()).contains("ConnectException");
    assertThat(server.admin("DELETE", "/api/v1/alert-channels/gone", null).status()).isEqualTo(204);
    awaitStatus(id, "dead");
    assertThat(delivery(id).path("lastError").asText()).contains("no longer exists");
  }

  @Test
  void privateTargets_refusedWithoutTheOption_400NamesUrl() {
    start(AlertOptions.DEFAULTS);
    for (String url : List.of(receiver.url(), "http://localhost:9/x", "http://169.254.169.254/latest/meta-data",
        "http://10.1.2.3/hook", "http://192.168.0.10/hook", "http://172.16.0.1/hook", "http://[::1]:8080/hook",
        "http://0.0.0.0/hook", "http://224.0.0.1/hook", "http://100.64.0.1/hook")) {
      TestServer.Response r = server.admin("POST", "/api/v1/alert-channels",
          "{\"key\":\"k\",\"url\":\"" + url + "\"}");
      assertThat(r.status()).as(url + ": " + r.body()).isEqualTo(400);
      assertThat(r.json().at("/error/details/0/field").asText()).as(url).isEqualTo("url");
    }
    assertThat(server.admin("GET", "/api/v1/alert-channels", null).json().path("items")).isEmpty();
  }

  @Test
  void metadataAddress_refusedEvenWithPrivateTargetsAllowed() {
    start(FAST);
    TestServer.Response r = server.admin("POST", "/api/v1/alert-channels",
        "{\"key\":\"k\",\"url\":\"http://169.254.169.254/latest\"}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().at("/error/message").asText()).contains("metadata");
  }

  @Test
  void badChannels_400NameTheField() {
    start(FAST);
    String url = receiver.url();
    assertField("{\"url\":\"" + url + "\"}", "key");
    assertField("{\"key\":\"k\"}", "url");
    assertField("{\"key\":\"k\",\"url\":\"ftp://example.com/x\"}", "url");
    assertField("{\"key\":\"k\",\"url\":\"not a url\"}", "url");
    assertField("{\"key\":\"k\",\"url\":\"http://user:pw@example.com/x\"}", "url");
    assertField("{\"key\":\"k\",\"url\":\"" + url + "\",\"format\":\"xml\"}", "format");
    assertField("{\"key\":\"k\",\"url\":\"" + url + "\",\"types\":[\"nope\"]}", "types");
    assertField("{\"key\":\"k\",\"url\":\"" + url + "\",\"types\":\"*\"}", "types");
    assertField("{\"key\":\"k\",\"url\":\"" + url + "\",\"types\":[]}", "types");
    assertField("{\"key\":\"bad key\",\"url\":\"" + url + "\"}", "key");
    assertField("{\"key\":\"k\",\"url\":\"" + url + "\",\"extra\":1}", "extra");
    channel("k", "json", "[\"*\"]");
    assertThat(server.admin("POST", "/api/v1/alert-channels", "{\"key\":\"k\",\"url\":\"" + url + "\"}").status())
        .isEqualTo(409);
    assertThat(server.admin("DELETE", "/api/v1/alert-channels/k", null).status()).isEqualTo(204);
    assertThat(server.admin("DELETE", "/api/v1/alert-channels/k", null).status()).isEqualTo(404);
    assertThat(server.admin("POST", "/api/v1/alert-channels/k/test", null).status()).isEqualTo(404);
    assertThat(server.admin("GET", "/api/v1/alerts?status=lost", null).status()).isEqualTo(400);
    assertThat(server.admin("GET", "/api/v1/alerts?limit=0", null).status()).isEqualTo(400);
  }

  private void assertField(String body, String field) {
    TestServer.Response r = server.admin("POST", "/api/v1/alert-channels", body);
    assertThat(r.status()).as(body + ": " + r.body()).isEqualTo(400);
    assertThat(r.json().at("/error/details/0/field").asText()).as(body).isEqualTo(field);
  }

  @Test
  void slowReceiver_apiAnswersWhileItHolds_attemptTimesOutAndIsRetried() throws Exception {
    start(new AlertOptions(20, Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(500), true));
    channel("ops", "json", "[\"*\"]");
    receiver.hold = new CountDownLatch(1);
    String id = test("ops");
    Await.until(() -> !receiver.received.isEmpty(), "the receiver holds the first attempt");
    // While the receiver holds the request open, the API answers: reads and more alerts.
    String second = test("ops");
    assertThat(deliveries("")).hasSizeGreaterThanOrEqualTo(2);
    assertThat(receiver.hold.getCount()).as("the receiver still held the delivery").isEqualTo(1);
    Await.until(() -> delivery(id).path("lastError").asText().contains("Timeout"), "the attempt timed out");
    receiver.hold.countDown();
    awaitStatus(id, "delivered");
    awaitStatus(second, "delivered");
  }
}
