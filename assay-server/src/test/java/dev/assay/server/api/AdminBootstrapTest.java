package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.assay.server.AssayServer;
import dev.assay.server.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first admin credential: without {@code ASSAY_ADMIN_TOKEN} the first start on an empty store
 * creates an admin key and shows its token once (never again on later starts); with it, an admin
 * key with exactly that token exists after every start, created only once.
 */
class AdminBootstrapTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  private static AssayServer start(Path data, String token) {
    ServerConfig.Builder b = AssayServer.builder().port(0).host("127.0.0.1").dataDir(data);
    if (token != null) {
      b.adminToken(token);
    }
    return b.start();
  }

  private HttpResponse<String> get(AssayServer s, String path, String token) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void noConfiguredToken_firstStartShowsOneTimeToken_laterStartsShowNone(@TempDir Path data) throws Exception {
    String first;
    try (AssayServer s = start(data, null)) {
      assertThat(s.generatedAdminToken()).isPresent();
      first = s.generatedAdminToken().get();
      assertThat(get(s, "/api/v1/api-keys", first).statusCode()).isEqualTo(200);
    }
    try (AssayServer s = start(data, null)) {
      assertThat(s.generatedAdminToken()).as("shown only at the first start").isEmpty();
      JsonNode keys = JSON.readTree(get(s, "/api/v1/api-keys", first).body()).get("items");
      assertThat(keys).hasSize(1);
      assertThat(keys.toString()).doesNotContain(first);
    }
  }

  @Test
  void configuredToken_isIdempotentAcrossRestarts(@TempDir Path data) throws Exception {
    String token = "automation-token-0123456789";
    for (int start = 0; start < 3; start++) {
      try (AssayServer s = start(data, token)) {
        assertThat(s.generatedAdminToken()).isEmpty();
        HttpResponse<String> keys = get(s, "/api/v1/api-keys", token);
        assertThat(keys.statusCode()).isEqualTo(200);
        JsonNode items = JSON.readTree(keys.body()).get("items");
        assertThat(items).as("one key however often the server starts").hasSize(1);
        assertThat(items.get(0).get("role").asText()).isEqualTo("admin");
      }
    }
  }

  @Test
  void configuredToken_revokedThroughTheApi_failsTheNextStartClearly(@TempDir Path data) throws Exception {
    String token = "automation-token-0123456789";
    try (AssayServer s = start(data, token)) {
      String id = JSON.readTree(get(s, "/api/v1/api-keys", token).body()).get("items").get(0).get("id").asText();
      HttpResponse<String> revoked = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port()
          + "/api/v1/api-keys/" + id)).header("Authorization", "Bearer " + token).DELETE().build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(revoked.statusCode()).isEqualTo(204);
      assertThat(get(s, "/api/v1/api-keys", token).statusCode()).isEqualTo(401);
    }

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> start(data, token).close())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ASSAY_ADMIN_TOKEN").hasMessageContaining("revoked");
    try (AssayServer s = start(data, "another-token-0123456789")) {
      assertThat(get(s, "/api/v1/api-keys", "another-token-0123456789").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void configuredToken_tooShort_isRejectedAtStart(@TempDir Path data) {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> start(data, "short").close())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("16");
  }
}
