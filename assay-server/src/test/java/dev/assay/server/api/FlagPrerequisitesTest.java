package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.sdk.Attributes;
import dev.assay.sdk.ExperimentClient;
import dev.assay.sdk.FeatureResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Flag prerequisites: a flag applies only where other flags evaluate to given values. They compile
 * to a GrowthBook gate rule the SDK (and OFREP) evaluate; references, types and cycles are
 * validated on write, and a flag others depend on cannot be deleted.
 */
class FlagPrerequisitesTest {
  private final TestServer t = new TestServer();

  @AfterEach
  void stop() {
    t.close();
  }

  private void ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 204);
  }

  private ExperimentClient sdk(String clientKey) {
    TestServer.Response r = t.call("GET", "/api/features/" + clientKey, null, null);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return ExperimentClient.builder().payload(r.body()).build();
  }

  @Test
  void childFlag_appliesOnlyWhereItsPrerequisiteHasTheExpectedValue() {
    String key = t.admin("POST", "/api/v1/sdk-connections", "{\"environment\":\"production\"}").json().get("key").asText();
    ok(t.admin("POST", "/api/v1/flags", """
        {"key":"new-checkout","type":"boolean","defaultValue":false,
         "environments":{"production":{"rules":[{"condition":{"country":"NL"},"value":true}]}}}"""));
    ok(t.admin("POST", "/api/v1/flags", """
        {"key":"checkout-banner","type":"string","defaultValue":"hello",
         "prerequisites":[{"flag":"new-checkout","value":true}],
         "environments":{"production":{"rules":[{"condition":{"plan":"pro"},"value":"hello pro"}]}}}"""));

    ExperimentClient sdk = sdk(key);
    FeatureResult dutchPro = sdk.evaluate("checkout-banner", Attributes.of("id", "u1", "country", "NL", "plan", "pro"));
    FeatureResult dutch = sdk.evaluate("checkout-banner", Attributes.of("id", "u2", "country", "NL"));
    FeatureResult german = sdk.evaluate("checkout-banner", Attributes.of("id", "u3", "country", "DE", "plan", "pro"));

    assertThat(dutchPro.value()).contains("hello pro");
    assertThat(dutch.value()).contains("hello");
    assertThat(german.value()).isEmpty();
    assertThat(german.source()).isEqualTo(FeatureResult.Source.PREREQUISITE);
    assertThat(sdk.getString("checkout-banner", Attributes.of("id", "u3", "country", "DE"), "caller default"))
        .isEqualTo("caller default");

    var ofrep = t.call("POST", "/ofrep/v1/evaluate/flags/checkout-banner", key,
        "{\"context\":{\"targetingKey\":\"u3\",\"country\":\"DE\"}}");
    assertThat(ofrep.status()).isEqualTo(200);
    assertThat(ofrep.json().get("reason").asText()).isEqualTo("DEFAULT");
    assertThat(ofrep.json().get("value").isNull()).isTrue();
  }

  @Test
  void prerequisites_validatedOnWrite() {
    ok(t.admin("POST", "/api/v1/flags", "{\"key\":\"a\",\"type\":\"boolean\",\"defaultValue\":true}"));

    var unknown = t.admin("POST", "/api/v1/flags",
        "{\"key\":\"b\",\"type\":\"boolean\",\"defaultValue\":true,\"prerequisites\":[{\"flag\":\"nope\",\"value\":true}]}");
    var wrongType = t.admin("POST", "/api/v1/flags",
        "{\"key\":\"b\",\"type\":\"boolean\",\"defaultValue\":true,\"prerequisites\":[{\"flag\":\"a\",\"value\":\"yes\"}]}");
    var self = t.admin("POST", "/api/v1/flags",
        "{\"key\":\"b\",\"type\":\"boolean\",\"defaultValue\":true,\"prerequisites\":[{\"flag\":\"b\",\"value\":true}]}");
    var noValue = t.admin("POST", "/api/v1/flags",
        "{\"key\":\"b\",\"type\":\"boolean\",\"defaultValue\":true,\"prerequisites\":[{\"flag\":\"a\"}]}");

    assertThat(unknown.status()).isEqualTo(422);
    assertThat(unknown.json().at("/error/details/0/field").asText()).isEqualTo("prerequisites[0].flag");
    assertThat(wrongType.status()).isEqualTo(400);
    assertThat(wrongType.json().at("/error/details/0/field").asText()).isEqualTo("prerequisites[0].value");
    assertThat(self.status()).isEqualTo(400);
    assertThat(self.json().at("/error/details/0/field").asText()).isEqualTo("prerequisites[0].flag");
    assertThat(noValue.status()).isEqualTo(400);
    assertThat(noValue.json().at("/error/details/0/field").asText()).isEqualTo("prerequisites[0].value");
  }

  @Test
  void cycleIsRejected_andAFlagOthersNeedCannotBeDeleted() {
    ok(t.admin("POST", "/api/v1/flags", "{\"key\":\"a\",\"type\":\"boolean\",\"defaultValue\":true}"));
    ok(t.admin("POST", "/api/v1/flags",
        "{\"key\":\"b\",\"type\":\"boolean\",\"defaultValue\":true,\"prerequisites\":[{\"flag\":\"a\",\"value\":true}]}"));
    ok(t.admin("POST", "/api/v1/flags",
        "{\"key\":\"c\",\"type\":\"boolean\",\"defaultValue\":true,\"prerequisites\":[{\"flag\":\"b\",\"value\":true}]}"));

    var cycle = t.admin("PUT", "/api/v1/flags/a",
        "{\"version\":1,\"type\":\"boolean\",\"defaultValue\":true,\"prerequisites\":[{\"flag\":\"c\",\"value\":true}]}");
    var delete = t.admin("DELETE", "/api/v1/flags/a?version=1", null);

    assertThat(cycle.status()).isEqualTo(422);
    assertThat(cycle.json().at("/error/message").asText()).contains("a -> c -> b -> a");
    assertThat(t.admin("GET", "/api/v1/flags/a", null).json().get("version").asLong()).isEqualTo(1);
    assertThat(delete.status()).isEqualTo(409);
    assertThat(delete.json().at("/error/message").asText()).contains("flag 'b'");
  }
}
