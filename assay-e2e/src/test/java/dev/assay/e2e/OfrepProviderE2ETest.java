package dev.assay.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.openfeature.contrib.providers.ofrep.OfrepProvider;
import dev.openfeature.contrib.providers.ofrep.OfrepProviderOptions;
import dev.openfeature.sdk.Client;
import dev.openfeature.sdk.FlagEvaluationDetails;
import dev.openfeature.sdk.MutableContext;
import dev.openfeature.sdk.OpenFeatureAPI;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official OFREP Java provider ({@code dev.openfeature.contrib.providers:ofrep}, from Maven
 * Central) evaluating through Assay's OFREP endpoint of a real `assay serve`: values and variants
 * agree with the SDK's own evaluation of the payload, and a change is seen on the next call.
 */
class OfrepProviderE2ETest {

  private static ServeProcess server;
  private static Client client;

  @BeforeAll
  static void start() throws Exception {
    server = new ServeProcess();
    OfrepProvider provider = OfrepProvider.constructProvider(OfrepProviderOptions.builder()
        .baseUrl(server.baseUrl())
        .headers(ImmutableMap.of("Authorization", ImmutableList.of("Bearer " + server.demoClientKey)))
        .requestTimeout(Duration.ofSeconds(5))
        .build());
    OpenFeatureAPI.getInstance().setProviderAndWait("ofrep-e2e", provider);
    client = OpenFeatureAPI.getInstance().getClient("ofrep-e2e");
  }

  @AfterAll
  static void stop() throws Exception {
    OpenFeatureAPI.getInstance().shutdown();
    if (server != null) {
      server.close();
    }
  }

  @Test
  void officialOfrepProvider_sameVariantsAsTheSdk() throws Exception {
    String payload = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(server.baseUrl() + "/api/features/" + server.demoClientKey)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    ExperimentClient sdk = ExperimentClient.builder().payload(payload).build();

    int split = 0;
    for (int i = 0; i < 200; i++) {
      String id = "user-" + i;
      FlagEvaluationDetails<String> d = client.getStringDetails("checkout-button", "none", new MutableContext(id));
      assertThat(d.getErrorCode()).as(d.getErrorMessage()).isNull();
      assertThat(d.getValue()).isEqualTo(sdk.getString("checkout-button", Attributes.of("id", id), "none"));
      if ("SPLIT".equals(d.getReason())) {
        split++;
      }
      boolean on = client.getBooleanValue("new-header", false, new MutableContext(id).add("beta", i % 3 == 0));
      assertThat(on).isEqualTo(sdk.isOn("new-header", Attributes.of("id", id, "beta", i % 3 == 0)));
    }
    assertThat(split).isBetween(60, 140);
  }

  @Test
  void officialOfrepProvider_unmetPrerequisite_givesTheCallersDefault() {
    server.admin("POST", "/flags", "{\"key\":\"ofrep-parent\",\"type\":\"boolean\",\"defaultValue\":false,"
        + "\"environments\":{\"production\":{\"rules\":[{\"condition\":{\"tier\":\"gold\"},\"value\":true}]}}}");
    server.admin("POST", "/flags", "{\"key\":\"ofrep-child\",\"type\":\"string\",\"defaultValue\":\"gold-only\","
        + "\"prerequisites\":[{\"flag\":\"ofrep-parent\",\"value\":true}]}");

    FlagEvaluationDetails<String> gold = client.getStringDetails("ofrep-child", "caller", new MutableContext("u1").add("tier", "gold"));
    FlagEvaluationDetails<String> other = client.getStringDetails("ofrep-child", "caller", new MutableContext("u2"));

    assertThat(gold.getValue()).isEqualTo("gold-only");
    assertThat(other.getValue()).isEqualTo("caller");
  }

  @Test
  void officialOfrepProvider_unknownFlagAndLiveChange() {
    FlagEvaluationDetails<Boolean> missing = client.getBooleanDetails("no-such-flag", true, new MutableContext("u1"));
    assertThat(missing.getValue()).isTrue();
    assertThat(missing.getErrorCode()).hasToString("FLAG_NOT_FOUND");

    server.admin("POST", "/flags", "{\"key\":\"ofrep-limit\",\"type\":\"number\",\"defaultValue\":3}");
    assertThat(client.getIntegerValue("ofrep-limit", -1, new MutableContext("u1"))).isEqualTo(3);
    server.setDefault("ofrep-limit", "number", "9");
    assertThat(client.getIntegerValue("ofrep-limit", -1, new MutableContext("u1"))).isEqualTo(9);
  }
}
