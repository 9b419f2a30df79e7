package dev.assay.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link AssayClient.Builder#logEvents()}: exposures and {@code track} reach the events endpoint. */
class AssayClientEventsTest {

  private static final String PAYLOAD = "{\"features\":{\"checkout\":{\"defaultValue\":\"off\",\"rules\":[{"
      + "\"key\":\"checkout-exp\",\"variations\":[\"control\",\"treatment\"],\"weights\":[0.5,0.5]}]}}}";

  @Test
  void logEvents_exposuresAndTrack_sentWithTheClientKey_flushedOnClose() throws Exception {
    List<ExperimentResult> ownListener = new ArrayList<>();
    try (EventSink sink = new EventSink()) {
      AssayClient client = AssayClient.builder(sink.url(), "sdk-client-key")
          .sync(false)
          .bootstrap(PAYLOAD)
          .evaluation(ExperimentClient.builder().onExposure((e, r) -> ownListener.add(r)))
          .logEvents(e -> e.flushInterval(Duration.ofHours(1)))
          .build();
      for (int i = 0; i < 3; i++) {
        client.features().getString("checkout", Attributes.of("id", "u1"), "x");
        client.features().getString("checkout", Attributes.of("id", "u2"), "x");
      }
      assertThat(client.track("purchase", "u1", 12.0, Map.of("sku", "A-1"))).isTrue();
      assertThat(client.track("page-view", "u2")).isTrue();
      assertThat(client.events()).isPresent();

      client.close();

      assertThat(ownListener).as("the application's own listener still hears exposures").hasSize(2);
      assertThat(sink.requests).hasSize(1);
      assertThat(sink.requests.get(0).header("Authorization")).isEqualTo("Bearer sdk-client-key");
      List<JsonNode> events = sink.events();
      assertThat(events).extracting(e -> e.get("type").asText())
          .containsExactly("exposure", "exposure", "metric", "metric");
      assertThat(events).extracting(e -> e.get("unitId").asText()).containsExactly("u1", "u2", "u1", "u2");
      assertThat(events.get(0).get("experimentKey").asText()).isEqualTo("checkout-exp");
      assertThat(events.get(2).get("properties").get("sku").asText()).isEqualTo("A-1");
      assertThat(client.events().orElseThrow().stats().delivered()).isEqualTo(4);
    }
  }

  @Test
  void withoutLogEvents_trackIsIgnored_andNoLoggerExists() {
    try (AssayClient client = AssayClient.builder("http://127.0.0.1:9", "sdk-k").sync(false).build()) {
      assertThat(client.events()).isEmpty();
      assertThat(client.track("purchase", "u1")).isFalse();
    }
  }

  @Test
  void logEvents_invalidSettings_failAtBuild() {
    assertThatThrownBy(() -> AssayClient.builder("http://127.0.0.1:9", "sdk-k").sync(false)
        .logEvents(e -> e.batchSize(0)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batchSize");
  }
}
