package dev.assay.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.assay.server.events.DuckDbEventStore;
import dev.assay.server.events.Event;
import dev.assay.testsupport.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The second line behind the metric SQL check: statements that reach the warehouse connection
 * anyway cannot read files, change the configuration or write — on the embedded event database
 * (whose writer keeps working) and on PostgreSQL.
 */
class AnalysisSandboxTest {
  private static final AnalysisLimits LIMITS = AnalysisLimits.defaults(Duration.ofSeconds(3)).withMemory("128MB");

  @TempDir Path dir;

  @Test
  void lockDownDuckDb_fileExtensionAndSettingStatementsFailAndTheWriterStillStores() throws Exception {
    try (DuckDbEventStore events = DuckDbEventStore.open(dir)) {
      try (Connection c = events.connect()) {
        AnalysisSandbox.lockDownDuckDb(c, LIMITS);
        AnalysisSandbox.lockDownDuckDb(c, LIMITS);
      }
      List<String> attacks = List.of("SELECT * FROM read_text('/etc/passwd')", "SELECT * FROM '/etc/passwd'",
          "SELECT * FROM glob('" + dir + "/*')", "COPY (SELECT 1) TO '" + dir.resolve("out.csv") + "'",
          "ATTACH '" + dir.resolve("other.duckdb") + "' AS other", "INSTALL httpfs", "LOAD httpfs",
          "SET enable_external_access = true", "SET memory_limit = '8GB'", "RESET lock_configuration");
      try (Connection c = events.connect()) {
        c.setAutoCommit(true);
        for (String sql : attacks) {
          assertThatThrownBy(() -> {
            try (Statement st = c.createStatement()) {
              st.execute(sql);
            }
          }).as(sql).isInstanceOf(SQLException.class);
        }
        assertThat(setting(c, "memory_limit")).startsWith("122"); // 128 MB in MiB
        assertThat(setting(c, "enable_external_access")).isEqualTo("false");
      }
      assertThat(dir.resolve("out.csv")).doesNotExist();
      assertThat(dir.resolve("other.duckdb")).doesNotExist();

      events.append(List.of(new Event("m1", Event.Type.METRIC, 1_000, "u1", null, null, -1, "click", 1.0, "{}")))
          .get();
      try (Connection c = events.connect(); Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM metric_events")) {
        rs.next();
        assertThat(rs.getLong(1)).isEqualTo(1);
      }
    }
  }

  @Test
  void postgresWarehouse_readOnlyWithAStatementTimeout() throws Exception {
    String schema = TestPostgres.freshSchema();
    String base = TestPostgres.url();
    try (Connection admin = DriverManager.getConnection(base); Statement st = admin.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    }
    String url = TestPostgres.urlWithSchema(schema);
    try (Connection c = AnalysisSandbox.warehouse(url, LIMITS).connect()) {
      assertThat(setting(c, "default_transaction_read_only")).isEqualTo("on");
      assertThat(setting(c, "statement_timeout")).isEqualTo("3s");
      SQLException e = org.junit.jupiter.api.Assertions.assertThrows(SQLException.class, () -> {
        try (Statement st = c.createStatement()) {
          st.execute("CREATE TABLE " + schema + ".stolen (x int)");
        }
      });
      assertThat(e.getSQLState()).isEqualTo("25006");
      assertThat(AnalysisSandbox.failure(e, "metric 'm'", Duration.ofSeconds(3)).getMessage())
          .contains("read-only").doesNotContain("CREATE").doesNotContain("stolen");
    } finally {
      try (Connection admin = DriverManager.getConnection(base); Statement st = admin.createStatement()) {
        st.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }

  private static String setting(Connection c, String name) throws SQLException {
    boolean duck = c.getMetaData().getURL().startsWith("jdbc:duckdb:");
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(duck ? "SELECT current_setting('" + name + "')" : "SHOW " + name)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
