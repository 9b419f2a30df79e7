package dev.assay.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.testsupport.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL warehouse's tables are made for the analysis's reads: covering indexes that let
 * the per-unit join read the index alone, and byte-wise collation of the columns it groups on.
 */
class PostgresEventWarehouseTest {

  @Test
  void open_createsTheCoveringIndexesAndByteWiseKeys_andOpensAgain() throws Exception {
    String schema = TestPostgres.freshSchema();
    try (Connection admin = DriverManager.getConnection(TestPostgres.url()); Statement st = admin.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    }
    try {
      check(schema);
    } finally {
      try (Connection admin = DriverManager.getConnection(TestPostgres.url()); Statement st = admin.createStatement()) {
        st.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }

  private static void check(String schema) throws Exception {
    String url = TestPostgres.urlWithSchema(schema);
    PostgresEventWarehouse.open(url).close();
    PostgresEventWarehouse.open(url).close(); // idempotent on existing tables

    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
      List<String> indexes = new ArrayList<>();
      try (ResultSet rs = st.executeQuery("SELECT indexdef FROM pg_indexes WHERE schemaname = '" + schema
          + "' ORDER BY indexname")) {
        while (rs.next()) {
          indexes.add(rs.getString(1).replace(schema + ".", ""));
        }
      }
      assertThat(indexes)
          .contains("CREATE INDEX exposures_analysis ON exposures USING btree (experiment_key, unit_id)"
              + " INCLUDE (variation_id, ts, project, flag)")
          .contains("CREATE INDEX metric_events_analysis ON metric_events USING btree (unit_id, name, ts)"
              + " INCLUDE (value, project, flag)")
          .noneMatch(d -> d.startsWith("CREATE INDEX metric_events_unit "));

      List<String> collations = new ArrayList<>();
      try (ResultSet rs = st.executeQuery("SELECT table_name || '.' || column_name || '=' || collation_name"
          + " FROM information_schema.columns WHERE table_schema = '" + schema
          + "' AND column_name IN ('unit_id', 'experiment_key', 'name') ORDER BY 1")) {
        while (rs.next()) {
          collations.add(rs.getString(1));
        }
      }
      assertThat(collations).containsExactly("exposures.experiment_key=C", "exposures.unit_id=C",
          "metric_events.name=C", "metric_events.unit_id=C");
    }
  }
}
