package dev.assay.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.server.AssayServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The UI's flag forms write through the same guard: under an approval policy a covered save is refused. */
class ApprovalUiFormsTest {
  static final String TOKEN = "approval-ui-admin-token-0123456789";
  static final String PASSWORD = "approval ui password";
  static AssayServer server;

  @BeforeAll
  static void start() throws Exception {
    server = AssayServer.builder().port(0).host("127.0.0.1").dataDir(Files.createTempDirectory("assay-approval-ui-"))
        .adminToken(TOKEN).adminPassword(PASSWORD).start();
    assertThat(api("POST", "/flags", "{\"key\":\"banner\",\"type\":\"boolean\",\"defaultValue\":false}").statusCode())
        .isEqualTo(201);
    assertThat(api("PUT", "/approval-policies/production", "{\"approvals\":1,\"role\":\"experimenter\"}")
        .statusCode()).isEqualTo(200);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static HttpResponse<String> api(String method, String path, String json) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/v1" + path))
        .header("Authorization", "Bearer " + TOKEN);
    if (json != null) {
      b.header("Content-Type", "application/json");
    }
    return HttpClient.newHttpClient().send(b.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void productionRuleSavedInTheUi_isRefusedWithTheReason() throws Exception {
    UiClient c = new UiClient(server.port());
    assertThat(c.signIn("admin", PASSWORD).statusCode()).isEqualTo(303);
    String page = c.get("/ui/flags/banner").body();
    Map<String, String> form = new LinkedHashMap<>();
    form.put("_csrf", UiClient.csrfIn(page));
    form.put("version", "1");
    form.put("enabled", "true");
    String at = "environments.production.rules[0].";
    form.put(at + "new", "true");
    form.put(at + "kind", "value");
    form.put(at + "value", "true");
    HttpResponse<String> saved = c.post("/ui/flags/banner/environments/production", form);
    assertThat(saved.statusCode()).as(saved.body()).isEqualTo(409);
    assertThat(saved.body()).contains("approval(s) by another experimenter", "open a change request");
    assertThat(api("GET", "/flags/banner", null).body()).contains("\"version\":1");
  }
}
