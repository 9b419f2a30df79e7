package dev.assay.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.openfeature.AssayProvider;
import dev.assay.sdk.AssayClient;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ClientStatus;
import dev.assay.sdk.ExperimentClient;
import dev.assay.testsupport.Await;
import dev.openfeature.sdk.Client;
import dev.openfeature.sdk.FlagEvaluationDetails;
import dev.openfeature.sdk.MutableContext;
import dev.openfeature.sdk.OpenFeatureAPI;
import dev.openfeature.sdk.ProviderEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Java SDK client and OpenFeature with the Assay provider against a real `assay serve`. */
class SdkClientsE2ETest {

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

  @Test
  void assayClient_streamsAChangePushedWhileConnected() throws Exception {
    server.admin("POST", "/flags", "{\"key\":\"e2e-limit\",\"type\":\"number\",\"defaultValue\":5}");
    List<Set<String>> changes = new CopyOnWriteArrayList<>();
    try (AssayClient client = AssayClient.builder(server.baseUrl(), server.demoClientKey)
        .pollInterval(Duration.ofMinutes(10))
        .onChange(changes::add)
        .build()) {
      Attributes user = Attributes.of("id", "user-1");
      Await.until(() -> client.status().mode() == ClientStatus.Mode.STREAMING, "streaming");
      assertThat(client.features().getLong("e2e-limit", user, -1)).isEqualTo(5);

      server.setDefault("e2e-limit", "number", "7");

      Await.until(() -> client.features().getLong("e2e-limit", user, -1) == 7, "change pushed by SSE");
      assertThat(changes).anyMatch(c -> c.contains("e2e-limit"));
    }
  }

  @Test
  void sameUser_sameVariant_inAssayClientAndDirectPayload() throws Exception {
    String payload = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/features/" + server.demoClientKey)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    ExperimentClient direct = ExperimentClient.builder().payload(payload).build();
    try (AssayClient client = AssayClient.builder(server.baseUrl(), server.demoClientKey).build()) {
      assertThat(client.awaitReady(Duration.ofSeconds(60))).isTrue();
      for (int i = 0; i < 500; i++) {
        Attributes u = Attributes.of("id", "user-" + i);
        assertThat(client.features().getString("checkout-button", u, "?"))
            .isEqualTo(direct.getString("checkout-button", u, "?"));
      }
    }
  }

  @Test
  void openFeature_withAssayProvider_evaluatesAndSignalsChanges() throws Exception {
    server.admin("POST", "/flags", "{\"key\":\"of-banner\",\"type\":\"string\",\"defaultValue\":\"old\"}");
    OpenFeatureAPI api = OpenFeatureAPI.getInstance();
    List<Object> changed = new CopyOnWriteArrayList<>();
    AssayProvider provider = AssayProvider.builder()
        .assayClient(AssayClient.builder(server.baseUrl(), server.demoClientKey).pollInterval(Duration.ofMinutes(10)))
        .build();
    api.onProviderConfigurationChanged(details -> changed.add(details.getFlagsChanged()));
    api.setProviderAndWait("e2e", provider);
    Client client = api.getClient("e2e");
    MutableContext ctx = new MutableContext("user-42");

    FlagEvaluationDetails<String> banner = client.getStringDetails("of-banner", "default", ctx);
    FlagEvaluationDetails<Boolean> missing = client.getBooleanDetails("no-such-flag", false, ctx);
    assertThat(banner.getValue()).isEqualTo("old");
    assertThat(missing.getErrorCode()).hasToString("FLAG_NOT_FOUND");

    // The demo experiment holds half of the "checkout" layer: about half the users are in it.
    int split = 0;
    for (int i = 0; i < 400; i++) {
      FlagEvaluationDetails<String> d = client.getStringDetails("checkout-button", "none", new MutableContext("u-" + i));
      if ("SPLIT".equals(d.getReason())) {
        split++;
        assertThat(d.getValue()).isIn("blue", "green");
        assertThat(d.getVariant()).isIn("control", "green");
        assertThat(d.getFlagMetadata().getString("experimentKey")).isEqualTo("checkout-button");
      } else {
        assertThat(d.getReason()).isEqualTo("DEFAULT");
        assertThat(d.getValue()).isEqualTo("blue");
      }
    }
    assertThat(split).isBetween(150, 250);

    server.setDefault("of-banner", "string", "\"new\"");
    Await.until(() -> "new".equals(client.getStringValue("of-banner", "default", ctx)), "provider sees the change");
    Await.until(() -> changed.stream().anyMatch(c -> String.valueOf(c).contains("of-banner")),
        ProviderEvent.PROVIDER_CONFIGURATION_CHANGED + " with of-banner");
    api.shutdown();
  }
}
