package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.server.AssayServer;
import dev.assay.testsupport.Await;
import dev.assay.testsupport.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two replicas on one PostgreSQL schema, both scheduled to refresh results every 500 ms: the
 * replica holding the store lease runs every round, the other none (ADR 0029); when the holder
 * stops, the other takes the rounds over.
 */
class LeaseReplicasTest {
  private static final String TOKEN = "lease-admin-token-0123456789";
  private static final Pattern ROUNDS =
      Pattern.compile("(?m)^assay_analysis_scheduled_rounds_total(?:\\{[^}]*})? ([0-9.]+)$");
  private final HttpClient http = HttpClient.newHttpClient();
  private AssayServer a;
  private AssayServer b;

  @AfterEach
  void stop() {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
  }

  private AssayServer start(String url, String name) throws Exception {
    return AssayServer.builder().port(0).host("127.0.0.1").dataDir(Files.createTempDirectory("lease-" + name))
        .databaseUrl(url).allowLocalWarehouse(true).adminToken(TOKEN).refreshInterval(Duration.ofMillis(500)).start();
  }

  private double rounds(AssayServer s) {
    try {
      HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port()
          + "/metrics")).header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
      Matcher m = ROUNDS.matcher(res.body());
      assertThat(m.find()).as("rounds counter in /metrics").isTrue();
      return Double.parseDouble(m.group(1));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void twoReplicas_periodicRefresh_runsOnTheLeaseHolderOnly_thenFailsOver() throws Exception {
    String schema = TestPostgres.freshSchema();
    try (Connection c = DriverManager.getConnection(TestPostgres.url()); Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    }
    String url = TestPostgres.urlWithSchema(schema);
    a = start(url, "a");
    b = start(url, "b");

    Await.until(() -> rounds(a) + rounds(b) >= 5, Duration.ofSeconds(30), "five scheduled rounds in all");

    double ranA = rounds(a);
    double ranB = rounds(b);
    assertThat(Math.min(ranA, ranB)).as("rounds of the replica without the lease (a %s, b %s)", ranA, ranB)
        .isZero();
    AssayServer holder = ranA > 0 ? a : b;
    AssayServer other = holder == a ? b : a;
    holder.close(); // releases its leases
    if (holder == a) {
      a = null;
    } else {
      b = null;
    }
    Await.until(() -> rounds(other) >= 2, Duration.ofSeconds(30), "the other replica takes the rounds over");
  }
}
