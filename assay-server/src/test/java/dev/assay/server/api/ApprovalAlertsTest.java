package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.server.alerts.AlertOptions;
import dev.assay.testsupport.Await;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Change requests raise {@code approval.*} alerts, delivered to a subscribed local receiver. */
class ApprovalAlertsTest {
  private static final AlertOptions FAST = new AlertOptions(4, Duration.ofMillis(50), Duration.ofMillis(200),
      Duration.ofSeconds(5), true);
  private final AlertReceiver receiver = new AlertReceiver();
  private final TestServer t = new TestServer(b -> b.alerts(FAST));

  @AfterEach
  void stop() {
    t.close();
    receiver.close();
  }

  private TestServer.Response ok(TestServer.Response r) {
    assertThat(r.status()).as(r.body()).isBetween(200, 204);
    return r;
  }

  @Test
  void requestedAndApplied_areDelivered() throws Exception {
    ok(t.admin("POST", "/api/v1/alert-channels", "{\"key\":\"reviews\",\"url\":\"" + receiver.url()
        + "\",\"format\":\"json\",\"types\":[\"approval.requested\",\"approval.applied\"]}"));
    String alice = ok(t.admin("POST", "/api/v1/api-keys", "{\"name\":\"alice\",\"role\":\"experimenter\"}")).json()
        .path("token").asText();
    ok(t.admin("POST", "/api/v1/flags", "{\"key\":\"banner\",\"type\":\"boolean\",\"defaultValue\":false}"));
    ok(t.admin("PUT", "/api/v1/approval-policies/production", "{\"approvals\":1,\"role\":\"admin\"}"));
    TestServer.Response opened = t.call("POST", "/api/v1/change-requests", alice, """
        {"target":"flag","key":"banner","baseVersion":1,"title":"on in production",
         "document":{"type":"boolean","defaultValue":false,"environments":{"production":{"rules":[{"value":true}]}}}}""");
    assertThat(opened.status()).as(opened.body()).isEqualTo(201);
    assertThat(opened.json().path("role").asText()).isEqualTo("admin");
    String id = opened.json().path("id").asText();
    TestServer.Response low = t.call("POST", "/api/v1/change-requests/" + id + "/approve",
        ok(t.admin("POST", "/api/v1/api-keys", "{\"name\":\"bob\",\"role\":\"experimenter\"}")).json().path("token")
            .asText(), "{}");
    assertThat(low.json().path("error").path("code").asText()).as(low.body()).isEqualTo("role_too_low");
    assertThat(ok(t.admin("POST", "/api/v1/change-requests/" + id + "/approve", "{}")).json().path("status")
        .asText()).isEqualTo("applied");
    Await.until(() -> !receiver.of("approval.requested").isEmpty() && !receiver.of("approval.applied").isEmpty(),
        "both alerts delivered");
    assertThat(receiver.of("approval.requested").get(0).body()).contains(id, "banner");
    assertThat(receiver.of("approval.applied").get(0).body()).contains(id, "applied");
  }
}
