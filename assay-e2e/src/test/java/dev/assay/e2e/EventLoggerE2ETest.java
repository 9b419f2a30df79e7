package dev.assay.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.openfeature.AssayProvider;
import dev.assay.sdk.AssayClient;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ClientStatus;
import dev.assay.sdk.EventLogger;
import dev.assay.sdk.ExperimentResult;
import dev.assay.sdk.FeatureResult;
import dev.openfeature.sdk.Client;
import dev.openfeature.sdk.ImmutableContext;
import dev.openfeature.sdk.MutableTrackingEventDetails;
import dev.openfeature.sdk.OpenFeatureAPI;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SDK's {@link EventLogger} against a real {@code assay serve}: exposures (once per unit,
 * experiment and variation) and {@code track} events arrive, as {@code GET /api/v1/events/summary}
 * shows; with the SDK client key and with a server API key; through OpenFeature's {@code track}.
 * Each test uses its own experiment or event names, so the shared server's counts stay separable.
 */
class EventLoggerE2ETest {

  private static ServeProcess server;

  @BeforeAll
  static void start() throws Exception {
    server = new ServeProcess();
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private static JsonNode summary() {
    return server.admin("GET", "/events/summary?limit=1000", null);
  }

  /* Events from a moment on: the demo's simulated history (which ends a minute before the start) left out. */
  private static JsonNode summarySince(long fromMillis) {
    return server.admin("GET", "/events/summary?limit=1000&from=" + fromMillis, null);
  }

  private static long named(JsonNode summary, String name) {
    for (JsonNode n : summary.get("byName")) {
      if (n.get("name").asText().equals(name)) {
        return n.get("events").asLong();
      }
    }
    return 0;
  }

  @Test
  void assayClient_exposuresDeduplicatedAndTrackEvents_arriveAtTheServer() {
    long testStart = System.currentTimeMillis();
    Map<Integer, Set<String>> unitsByVariation = new HashMap<>();
    long evaluations = 0;
    AssayClient client = AssayClient.builder(server.baseUrl(), server.demoClientKey)
        .initialTimeout(Duration.ofSeconds(30)) // a loaded CI machine: wait for the real payload
        .logEvents(e -> e.batchSize(50))
        .build();
    assertThat(client.awaitReady(Duration.ofSeconds(60))).isTrue();
    assertThat(client.status().state()).isEqualTo(ClientStatus.State.READY);
    // Every user evaluated three times, through two different calls: one exposure each.
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < 300; i++) {
        String unit = "e2e-user-" + i;
        Attributes user = Attributes.of("id", unit);
        FeatureResult r = client.features().evaluate("checkout-button", user);
        client.features().getString("checkout-button", user, "none");
        evaluations += 2;
        r.experimentResult().filter(ExperimentResult::inExperiment)
            .ifPresent(x -> unitsByVariation.computeIfAbsent(x.variationId(), k -> new HashSet<>()).add(unit));
      }
    }
    for (int i = 0; i < 40; i++) {
      assertThat(client.track("e2e-purchase", "e2e-user-" + i, 10 + i, Map.of("currency", "EUR"))).isTrue();
    }
    EventLogger events = client.events().orElseThrow();
    client.close(); // flushes

    long exposed = unitsByVariation.values().stream().mapToLong(Set::size).sum();
    assertThat(exposed).as("the demo experiment holds about half the users").isBetween(100L, 200L);
    assertThat(evaluations).isEqualTo(1800);
    EventLogger.Stats stats = events.stats();
    assertThat(stats.delivered()).isEqualTo(exposed + 40);
    assertThat(stats.dropped()).isZero();
    assertThat(stats.pending()).isZero();

    JsonNode summary = summarySince(testStart);
    assertThat(named(summary, "e2e-purchase")).isEqualTo(40);
    Map<Integer, Long> serverUnits = new HashMap<>();
    Map<Integer, Long> serverExposures = new HashMap<>();
    for (JsonNode e : summary.get("byExperiment")) {
      if (e.get("experimentKey").asText().equals("checkout-button")) {
        serverUnits.put(e.get("variationId").asInt(), e.get("units").asLong());
        serverExposures.put(e.get("variationId").asInt(), e.get("exposures").asLong());
      }
    }
    Map<Integer, Long> expected = new HashMap<>();
    unitsByVariation.forEach((v, units) -> expected.put(v, (long) units.size()));
    assertThat(serverUnits).isEqualTo(expected);
    assertThat(serverExposures).as("one exposure per unit: de-duplicated").isEqualTo(expected);
  }

  @Test
  void eventLogger_withAServerApiKey_isAccepted() {
    // Limited to the demo project, the key's events belong to it without naming it.
    String token = server.admin("POST", "/api-keys", "{\"name\":\"e2e-events\",\"role\":\"analyst\",\"projects\":[\"demo\"]}")
        .get("token").asText();
    try (EventLogger events = EventLogger.builder(server.baseUrl(), token).build()) {
      for (int i = 0; i < 25; i++) {
        events.track("e2e-server-side", "account-" + i, i);
      }
      assertThat(events.flush(Duration.ofSeconds(30))).isTrue();
      assertThat(events.stats().delivered()).isEqualTo(25);
    }
    assertThat(named(summary(), "e2e-server-side")).isEqualTo(25);
  }

  @Test
  void eventLogger_unknownKey_isRejectedWithoutRetryAndCounted() {
    try (EventLogger events = EventLogger.builder(server.baseUrl(), "sdk-not-a-key").build()) {
      events.track("e2e-unauthorized", "u1");
      assertThat(events.flush(Duration.ofSeconds(30))).isTrue();
      assertThat(events.stats().droppedUndeliverable()).isEqualTo(1);
      assertThat(events.stats().retries()).isZero();
    }
    assertThat(named(summary(), "e2e-unauthorized")).isZero();
  }

  @Test
  void openFeatureTrack_throughTheProvider_arrivesAtTheServer() throws Exception {
    OpenFeatureAPI api = OpenFeatureAPI.getInstance();
    AssayProvider provider = AssayProvider.builder()
        .assayClient(AssayClient.builder(server.baseUrl(), server.demoClientKey).logEvents())
        .build();
    api.setProviderAndWait("e2e-events", provider);
    Client client = api.getClient("e2e-events");
    for (int i = 0; i < 12; i++) {
      client.track("e2e-of-signup", new ImmutableContext("of-user-" + i), new MutableTrackingEventDetails(1));
    }
    api.shutdown(); // the provider owns the client: closing it flushes the events

    assertThat(named(summary(), "e2e-of-signup")).isEqualTo(12);
  }
}
