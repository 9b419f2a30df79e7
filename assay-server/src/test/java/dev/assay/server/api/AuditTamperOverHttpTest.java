package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Tampering with the embedded database behind a running server is reported by /audit/verify. */
class AuditTamperOverHttpTest {
  @Test
  void verify_afterRowEditedInDatabase_reportsFirstBrokenEntry() throws Exception {
    try (TestServer t = new TestServer()) {
      t.admin("POST", "/api/v1/segments", "{\"key\":\"s1\",\"condition\":{\"country\":\"NZ\"}}");
      t.admin("POST", "/api/v1/segments", "{\"key\":\"s2\",\"condition\":{\"country\":\"AU\"}}");
      assertThat(t.admin("GET", "/api/v1/audit/verify", null).json().path("intact").asBoolean()).isTrue();
      long seq = t.admin("GET", "/api/v1/audit?kind=segment&key=s1", null).json().path("items").get(0).path("seq").asLong();

      /* Same JVM, same file: H2 shares the open database with this connection. */
      String url = dev.assay.server.store.JdbcConfigStore.embeddedUrl(t.dataDir.resolve("assay"));
      try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
        assertThat(s.executeUpdate("UPDATE audit_log SET actor = 'someone-else' WHERE seq = " + seq)).isEqualTo(1);
        c.commit();
      }

      JsonNode v = t.admin("GET", "/api/v1/audit/verify", null).json();
      assertThat(v.path("intact").asBoolean()).isFalse();
      assertThat(v.path("firstBrokenSeq").asLong()).isEqualTo(seq);
    }
  }

  @Test
  void verify_tailCutAndHeadRewrittenInDatabase_reportsTheCutAgainstTheAnchor() throws Exception {
    try (TestServer t = new TestServer(b -> b.auditCheckpointInterval(Duration.ofMillis(50)))) {
      for (int i = 1; i <= 3; i++) {
        t.admin("POST", "/api/v1/segments", "{\"key\":\"s" + i + "\",\"condition\":{\"country\":\"NZ\"}}");
      }
      JsonNode items = t.admin("GET", "/api/v1/audit?limit=1000", null).json().path("items");
      long last = items.get(items.size() - 1).path("seq").asLong();
      awaitCheckpoint(t, last);
      JsonNode before = t.admin("GET", "/api/v1/audit/verify", null).json();
      assertThat(before.path("intact").asBoolean()).isTrue();
      assertThat(before.path("anchoredThrough").asLong()).isEqualTo(last);

      long keep = last - 2;
      String url = dev.assay.server.store.JdbcConfigStore.embeddedUrl(t.dataDir.resolve("assay"));
      try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
        String hash;
        try (ResultSet rs = s.executeQuery("SELECT hash FROM audit_log WHERE seq = " + keep)) {
          assertThat(rs.next()).isTrue();
          hash = rs.getString(1);
        }
        assertThat(s.executeUpdate("DELETE FROM audit_log WHERE seq > " + keep)).isEqualTo(2);
        assertThat(s.executeUpdate("UPDATE audit_head SET seq = " + keep + ", hash = '" + hash + "' WHERE id = 1")).isEqualTo(1);
        c.commit();
      }

      JsonNode v = t.admin("GET", "/api/v1/audit/verify", null).json();
      assertThat(v.path("intact").asBoolean()).isFalse();
      assertThat(v.path("entriesChecked").asLong()).isEqualTo(keep);
      assertThat(v.path("firstBrokenSeq").asLong()).isEqualTo(keep + 1);
      assertThat(v.path("reason").asText()).contains("checkpointed entry " + last, "tail of the log was cut");
    }
  }

  /** Waits until the anchor export (what a witness fetches) holds a checkpoint of {@code seq}. */
  private static void awaitCheckpoint(TestServer t, long seq) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      TestServer.Response r = t.admin("GET", "/api/v1/audit/anchor", null);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/x-ndjson"));
      String[] lines = r.body().strip().split("\n");
      JsonNode lastLine = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines[lines.length - 1]);
      assertThat(lastLine.path("mac").asText()).hasSize(64);
      if (lastLine.path("seq").asLong() >= seq) {
        return;
      }
      assertThat(System.nanoTime()).as("checkpoint of entry %d within 10 s: %s", seq, r.body()).isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
