package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.sdk.AssayClient;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ClientStatus;
import dev.assay.sdk.ExperimentClient;
import dev.assay.sdk.FeatureResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Changes made through the management API recompile the SDK payload, and {@code assay-sdk}
 * evaluates the served payload as the configuration says: targeting, rollouts, experiment splits,
 * layers, lifecycle, phases and decisions.
 */
class SdkPayloadTest {

  private final TestServer server = new TestServer();

  @AfterEach
  void stop() {
    server.close();
  }

  private String connection() {
    TestServer.Response r = server.admin("POST", "/api/v1/sdk-connections",
        "{\"name\":\"web\",\"environment\":\"production\"}");
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().get("key").asText();
  }

  private ExperimentClient sdk(String clientKey) {
    TestServer.Response r = server.call("GET", "/api/features/" + clientKey, null, null);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return ExperimentClient.builder().payload(r.body()).build();
  }

  private void ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 204);
  }

  @Test
  void flagRules_compiledPayloadTargetsAsConfigured() {
    String key = connection();
    ok(server.admin("POST", "/api/v1/environments", "{\"key\":\"staging\"}"));
    ok(server.admin("POST", "/api/v1/segments",
        "{\"key\":\"beta\",\"condition\":{\"beta\":true}}"));
    ok(server.admin("POST", "/api/v1/flags", """
        {"key":"dark-mode","type":"boolean","defaultValue":false,
         "environments":{"production":{"enabled":true,"rules":[
            {"condition":{"country":"NL"},"value":true},
            {"condition":{"id":{"$inGroup":"beta"}},"value":true}]},
           "staging":{"enabled":true,"rules":[{"value":true}]}}}"""));

    ExperimentClient sdk = sdk(key);

    FeatureResult nl = sdk.evaluate("dark-mode", Attributes.of("id", "u1", "country", "NL"));
    assertThat(nl.value()).contains(true);
    assertThat(nl.source()).isEqualTo(FeatureResult.Source.FORCE);
    assertThat(sdk.isOn("dark-mode", Attributes.of("id", "u2", "country", "DE"))).isFalse();
    assertThat(sdk.isOn("dark-mode", Attributes.of("id", "u3", "beta", true))).isTrue();
    assertThat(sdk.isOn("dark-mode", Attributes.of("id", "u3", "beta", false))).isFalse();

    TestServer.Response staging = server.admin("POST", "/api/v1/sdk-connections",
        "{\"name\":\"staging\",\"environment\":\"staging\"}");
    assertThat(sdk(staging.json().get("key").asText()).isOn("dark-mode", Attributes.of("id", "u2")))
        .as("staging forces the flag on for everyone").isTrue();
  }

  @Test
  void rollout_coverageServesTheConfiguredShare() {
    String key = connection();
    ok(server.admin("POST", "/api/v1/flags", """
        {"key":"new-search","type":"boolean","defaultValue":false,
         "environments":{"production":{"rules":[{"value":true,"coverage":0.2,"hashAttribute":"id"}]}}}"""));

    ExperimentClient sdk = sdk(key);
    int on = 0;
    int n = 20_000;
    for (int i = 0; i < n; i++) {
      if (sdk.isOn("new-search", Attributes.of("id", "user-" + i))) {
        on++;
      }
    }
    // Binomial(20000, 0.2): sd = 56.6; allow 5 sd.
    assertThat(on).isBetween(4000 - 283, 4000 + 283);
  }

  @Test
  void experiment_lifecycleAndPhasesDriveAssignment() {
    String key = connection();
    ok(server.admin("POST", "/api/v1/experiments", """
        {"key":"cta","name":"Call to action","variants":[
           {"key":"control","weight":0.25,"value":"Buy"},{"key":"bold","weight":0.75,"value":"Buy now!"}]}"""));
    ok(server.admin("POST", "/api/v1/flags", """
        {"key":"cta-text","type":"string","defaultValue":"Buy",
         "environments":{"production":{"rules":[{"experiment":"cta"}]}}}"""));

    assertThat(sdk(key).evaluate("cta-text", Attributes.of("id", "u1")).source())
        .as("a draft experiment serves nothing").isEqualTo(FeatureResult.Source.DEFAULT_VALUE);

    ok(server.admin("POST", "/api/v1/experiments/cta/start", "{}"));
    ExperimentClient running = sdk(key);
    int n = 10_000;
    List<Integer> phase1 = new ArrayList<>();
    int bold = 0;
    for (int i = 0; i < n; i++) {
      FeatureResult r = running.evaluate("cta-text", Attributes.of("id", "user-" + i));
      assertThat(r.source()).isEqualTo(FeatureResult.Source.EXPERIMENT);
      int v = r.experimentResult().orElseThrow().variationId();
      phase1.add(v);
      bold += v;
      if (i == 0) {
        assertThat(r.experimentResult().get().key()).isIn("control", "bold");
      }
    }
    // Binomial(10000, 0.75): sd = 43.3; allow 5 sd.
    assertThat(bold).isBetween(7500 - 217, 7500 + 217);

    ok(server.admin("POST", "/api/v1/experiments/cta/pause", "{}"));
    assertThat(sdk(key).evaluate("cta-text", Attributes.of("id", "u1")).source())
        .as("a paused experiment assigns nobody").isEqualTo(FeatureResult.Source.DEFAULT_VALUE);
    ok(server.admin("POST", "/api/v1/experiments/cta/start", "{}"));

    long version = server.admin("GET", "/api/v1/experiments/cta", null).json().get("version").asLong();
    ok(server.admin("PUT", "/api/v1/experiments/cta?newPhase=true", """
        {"name":"Call to action","version":%d,"variants":[
           {"key":"control","weight":0.25,"value":"Buy"},{"key":"bold","weight":0.75,"value":"Buy now!"}]}"""
        .formatted(version)));
    ExperimentClient phase2 = sdk(key);
    int moved = 0;
    for (int i = 0; i < n; i++) {
      int v = phase2.evaluate("cta-text", Attributes.of("id", "user-" + i)).experimentResult().orElseThrow().variationId();
      if (v != phase1.get(i)) {
        moved++;
      }
    }
    // A new seed re-randomises: P(change) = 2 * 0.25 * 0.75 = 0.375; sd = 48.4; allow 5 sd.
    assertThat(moved).isBetween(3750 - 242, 3750 + 242);

    ok(server.admin("POST", "/api/v1/experiments/cta/stop", "{}"));
    ok(server.admin("POST", "/api/v1/experiments/cta/conclude",
        "{\"decision\":{\"outcome\":\"ship\",\"variant\":\"bold\",\"writeUp\":\"bold wins\"}}"));
    ExperimentClient shipped = sdk(key);
    for (int i = 0; i < 100; i++) {
      assertThat(shipped.getString("cta-text", Attributes.of("id", "user-" + i), "?")).isEqualTo("Buy now!");
    }
  }

  @Test
  void layer_experimentsInOneLayerNeverShareAUnit() {
    String key = connection();
    ok(server.admin("POST", "/api/v1/layers", "{\"key\":\"checkout\"}"));
    for (String[] e : new String[][] {{"a", "0.0", "0.3"}, {"b", "0.3", "1.0"}}) {
      ok(server.admin("POST", "/api/v1/experiments", """
          {"key":"%s","layer":"checkout","range":{"start":%s,"end":%s},
           "variants":[{"key":"control","weight":0.5},{"key":"treatment","weight":0.5}]}"""
          .formatted(e[0], e[1], e[2])));
      ok(server.admin("POST", "/api/v1/experiments/" + e[0] + "/start", "{}"));
    }

    ExperimentClient sdk = sdk(key);
    int inA = 0;
    int inB = 0;
    for (int i = 0; i < 10_000; i++) {
      Attributes u = Attributes.of("id", "user-" + i);
      boolean a = sdk.evaluate("a", u).experimentResult().map(r -> r.inExperiment()).orElse(false);
      boolean b = sdk.evaluate("b", u).experimentResult().map(r -> r.inExperiment()).orElse(false);
      assertThat(a && b).as("user-%d in both", i).isFalse();
      inA += a ? 1 : 0;
      inB += b ? 1 : 0;
    }
    assertThat(inA).isBetween(3000 - 230, 3000 + 230);
    assertThat(inB).isBetween(7000 - 230, 7000 + 230);
  }

  @Test
  void holdout_heldOutUnitsGetDefaultsEverywhereTheHoldoutCovers() {
    String key = connection();
    ok(server.admin("POST", "/api/v1/experiments", """
        {"key":"pricing","variants":[{"key":"control","weight":0.5,"value":"old"},{"key":"new","weight":0.5,"value":"new"}]}"""));
    ok(server.admin("POST", "/api/v1/experiments/pricing/start", "{}"));
    ok(server.admin("POST", "/api/v1/flags", """
        {"key":"pricing-page","type":"string","defaultValue":"old",
         "environments":{"production":{"rules":[{"experiment":"pricing"}]}}}"""));
    ok(server.admin("POST", "/api/v1/flags", """
        {"key":"free-shipping","type":"boolean","defaultValue":false,
         "environments":{"production":{"rules":[{"value":true}]}}}"""));
    TestServer.Response bad = server.admin("POST", "/api/v1/holdouts",
        "{\"key\":\"h\",\"fraction\":0.1,\"flags\":[\"nope\"]}");
    assertThat(bad.status()).isEqualTo(422);
    assertThat(bad.json().at("/error/details/0/field").asText()).isEqualTo("flags[0]");
    ok(server.admin("POST", "/api/v1/holdouts", """
        {"key":"q4","fraction":0.1,"flags":["free-shipping"],"experiments":["pricing"]}"""));

    ExperimentClient sdk = sdk(key);
    int heldOut = 0;
    int n = 20_000;
    for (int i = 0; i < n; i++) {
      Attributes u = Attributes.of("id", "user-" + i);
      FeatureResult shipping = sdk.evaluate("free-shipping", u);
      FeatureResult pricing = sdk.evaluate("pricing-page", u);
      boolean held = "holdout_q4".equals(shipping.ruleId());
      assertThat("holdout_q4".equals(pricing.ruleId())).as("same units held out of both").isEqualTo(held);
      if (held) {
        heldOut++;
        assertThat(shipping.value()).contains(false);
        assertThat(pricing.value()).contains("old");
      } else {
        assertThat(shipping.value()).contains(true);
        assertThat(pricing.source()).isEqualTo(FeatureResult.Source.EXPERIMENT);
      }
    }
    // Binomial(20000, 0.1): sd = 42.4; allow 5 sd.
    assertThat(heldOut).isBetween(2000 - 212, 2000 + 212);
    TestServer.Response delete = server.admin("DELETE", "/api/v1/flags/free-shipping?version=1", null);
    assertThat(delete.status()).as("a flag in a holdout cannot be deleted").isEqualTo(409);
  }

  @Test
  void encryptedConnection_servesGrowthBookEncryptedFeaturesThatTheSdkDecrypts() {
    TestServer.Response created = server.admin("POST", "/api/v1/sdk-connections",
        "{\"name\":\"mobile\",\"environment\":\"production\",\"encrypt\":true}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String key = created.json().get("key").asText();
    String aesKey = created.json().get("encryptionKey").asText();
    ok(server.admin("POST", "/api/v1/flags", """
        {"key":"secret-feature","type":"string","defaultValue":"off",
         "environments":{"production":{"rules":[{"condition":{"country":"NL"},"value":"on"}]}}}"""));

    TestServer.Response served = server.call("GET", "/api/features/" + key, null, null);
    TestServer.Response again = server.call("GET", "/api/features/" + key, null, null);

    assertThat(served.body()).contains("encryptedFeatures").doesNotContain("secret-feature");
    assertThat(served.json().has("features")).isFalse();
    assertThat(again.headers().firstValue("ETag")).isEqualTo(served.headers().firstValue("ETag"));
    ExperimentClient sdk = ExperimentClient.builder().payload(served.body()).decryptionKey(aesKey).build();
    assertThat(sdk.getString("secret-feature", Attributes.of("id", "u1", "country", "NL"), "?")).isEqualTo("on");
    assertThat(sdk.getString("secret-feature", Attributes.of("id", "u1", "country", "DE"), "?")).isEqualTo("off");
    TestServer.Response preview = server.admin("GET", "/api/v1/sdk-connections/" + key + "/payload", null);
    assertThat(preview.body()).contains("secret-feature");
    TestServer.Response forged = server.admin("POST", "/api/v1/sdk-connections",
        "{\"name\":\"x\",\"environment\":\"production\",\"encryptionKey\":\"AAAA\"}");
    assertThat(forged.status()).isEqualTo(400);
  }

  @Test
  void payloadEndpoint_etagAnd304AndUnknownKey() {
    String key = connection();
    ok(server.admin("POST", "/api/v1/flags", "{\"key\":\"f\",\"type\":\"number\",\"defaultValue\":1}"));
    TestServer.Response first = server.call("GET", "/api/features/" + key, null, null);
    String etag = first.headers().firstValue("ETag").orElseThrow();

    TestServer.Response again = server.send("GET", "/api/features/" + key, null, null, null);
    assertThat(again.headers().firstValue("ETag")).contains(etag);
    assertThat(first.headers().firstValue("Cache-Control").orElseThrow()).contains("max-age");

    var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create(
        "http://127.0.0.1:" + server.server.port() + "/api/features/" + key)).header("If-None-Match", etag).build();
    int status = send(req);
    assertThat(status).isEqualTo(304);

    ok(server.admin("PUT", "/api/v1/flags/f", "{\"type\":\"number\",\"defaultValue\":2,\"version\":1}"));
    assertThat(send(req)).as("changed payload, old ETag").isEqualTo(200);
    TestServer.Response unknown = server.call("GET", "/api/features/sdk-nope", null, null);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().at("/error/code").asText()).isEqualTo("unknown_client_key");
    TestServer.Response preview = server.admin("GET", "/api/v1/sdk-connections/" + key + "/payload", null);
    assertThat(preview.status()).isEqualTo(200);
    assertThat(preview.json().at("/features/f/defaultValue").asInt()).isEqualTo(2);
  }

  @Test
  void assayClient_pollsTheServerAndTellsListenersWhatChanged() throws Exception {
    String key = connection();
    ok(server.admin("POST", "/api/v1/flags", "{\"key\":\"limit\",\"type\":\"number\",\"defaultValue\":10}"));
    ok(server.admin("POST", "/api/v1/flags", "{\"key\":\"other\",\"type\":\"number\",\"defaultValue\":1}"));
    List<Set<String>> changes = new CopyOnWriteArrayList<>();
    try (AssayClient client = AssayClient.builder("http://127.0.0.1:" + server.server.port(), key)
        .pollInterval(Duration.ofMillis(100))
        .streaming(false)
        .onChange(changes::add)
        .build()) {
      Attributes u = Attributes.of("id", "u1");
      assertThat(client.awaitReady(Duration.ofSeconds(30))).isTrue();
      assertThat(client.status().state()).isEqualTo(ClientStatus.State.READY);
      assertThat(client.features().getLong("limit", u, -1)).isEqualTo(10);

      ok(server.admin("PUT", "/api/v1/flags/limit", "{\"type\":\"number\",\"defaultValue\":25,\"version\":1}"));
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (client.features().getLong("limit", u, -1) != 25 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(client.features().getLong("limit", u, -1)).isEqualTo(25);
      assertThat(changes).contains(Set.of("limit"));
      assertThat(client.status().mode()).isEqualTo(ClientStatus.Mode.POLLING);
    }
  }

  private int send(java.net.http.HttpRequest req) {
    try {
      return java.net.http.HttpClient.newHttpClient().send(req, java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
