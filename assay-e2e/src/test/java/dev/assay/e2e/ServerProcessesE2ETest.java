package dev.assay.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.sdk.AssayClient;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.ClientStatus;
import dev.assay.testsupport.Await;
import dev.assay.testsupport.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Real {@code assay serve} processes: two replicas on one PostgreSQL (one configured by
 * {@code --database-url}, the other by {@code ASSAY_DATABASE_URL}) pass a change made through one
 * to an SDK client streaming from the other; and SIGTERM stops a server gracefully, leaving an
 * embedded store that the next start opens with everything in it.
 */
class ServerProcessesE2ETest {

  @Test
  void twoReplicasOnPostgres_changeThroughOneReachesStreamingClientOfTheOther() throws Exception {
    String schema = "assay_e2e_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
    try (Connection c = DriverManager.getConnection(TestPostgres.url()); Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    }
    String url = TestPostgres.urlWithSchema(schema);
    try (ServeProcess a = new ServeProcess(Files.createTempDirectory("assay-e2e-a"), List.of("--database-url", url), Map.of());
        ServeProcess b = new ServeProcess(Files.createTempDirectory("assay-e2e-b"), List.of(),
            // Each analyses its own embedded warehouse: refused for a second replica unless allowed.
            Map.of("ASSAY_DATABASE_URL", url, "ASSAY_ALLOW_LOCAL_WAREHOUSE", "true"))) {
      assertThat(a.output()).contains("store: jdbc:postgresql:").contains(schema);
      assertThat(b.output()).contains("store: jdbc:postgresql:").contains(schema);
      assertThat(b.demoClientKey).isEqualTo(a.demoClientKey);
      a.admin("POST", "/flags", "{\"key\":\"replica-limit\",\"type\":\"number\",\"defaultValue\":1}");

      try (AssayClient client = AssayClient.builder(b.baseUrl(), b.demoClientKey)
          .pollInterval(Duration.ofMinutes(10)) // only the stream can deliver the change in time
          .build()) {
        Attributes u = Attributes.of("id", "u1");
        Await.until(() -> client.status().mode() == ClientStatus.Mode.STREAMING, "streaming from replica B");
        Await.until(() -> client.features().getLong("replica-limit", u, -1) == 1, "B serves A's flag");

        a.setDefault("replica-limit", "number", "2");

        Await.until(() -> client.features().getLong("replica-limit", u, -1) == 2, "A's change streamed by B");
      }
    }
  }

  @Test
  void sigterm_stopsGracefully_andTheEmbeddedStoreReopensWithItsData() throws Exception {
    Path data = Files.createTempDirectory("assay-e2e-restart");
    ServeProcess first = new ServeProcess(data, List.of(), Map.of());
    String key;
    try {
      first.admin("POST", "/flags", "{\"key\":\"survives\",\"type\":\"boolean\",\"defaultValue\":true}");
      key = first.demoClientKey;
      int exit = first.terminate();
      assertThat(exit).as("exit code after SIGTERM (143 = terminated by the signal, after the shutdown hook)")
          .isIn(0, 143);
    } finally {
      first.close();
    }
    Await.until(() -> first.output().contains("shutting down"), "the shutdown hook ran: " + first.output());

    try (ServeProcess second = new ServeProcess(data, List.of(), Map.of())) {
      assertThat(second.demoClientKey).isEqualTo(key);
      assertThat(second.admin("GET", "/flags/survives", null).get("defaultValue").asBoolean()).isTrue();
      assertThat(second.admin("GET", "/audit/verify", null).get("intact").asBoolean()).isTrue();
    }
  }
}
