package dev.assay.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
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
}
