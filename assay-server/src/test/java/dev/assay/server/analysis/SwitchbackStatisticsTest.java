package dev.assay.server.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.server.analysis.MetricQueries.Aggregation;
import dev.assay.server.domain.model.SwitchbackSettings;
import dev.assay.testsupport.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The switchback cell query on DuckDB (the embedded warehouse) and PostgreSQL, against a
 * hand-worked example: 10-minute windows from an origin, 2-minute burn-in.
 */
class SwitchbackStatisticsTest {
  static final long ORIGIN = 1_767_225_600_000L; // 2026-01-01T00:00Z
  static final long MIN = 60_000L;

  enum Warehouse { DUCKDB, POSTGRESQL }

  @ParameterizedTest
  @EnumSource(Warehouse.class)
  void cells_keepEventsAfterTheBurnIn_countTheRest(Warehouse w) throws Exception {
    String schema = w == Warehouse.POSTGRESQL ? TestPostgres.freshSchema() : null;
    try (Connection c = w == Warehouse.DUCKDB ? DriverManager.getConnection("jdbc:duckdb:")
        : DriverManager.getConnection(TestPostgres.url())) {
      String q = schema == null ? "" : schema + ".";
      try (Statement st = c.createStatement()) {
        if (schema != null) {
          st.execute("CREATE SCHEMA " + schema);
        }
        st.execute("CREATE TABLE " + q + "exposures (unit_id VARCHAR, experiment_key VARCHAR, variation_id INT,"
            + " ts BIGINT, attributes VARCHAR)");
        st.execute("CREATE TABLE " + q + "metric_events (unit_id VARCHAR, name VARCHAR, ts BIGINT,"
            + " value DOUBLE PRECISION, properties VARCHAR)");
        // cell north|0 (control): exposed at 0:30; events at 1:00 (burn-in), 2:00 (kept: the burn-in
        // ends at 2:00), 9:59 (kept), 10:30 (next window's burn-in, still this cell's unit)
        // cell north|1 (treatment): exposed at 10:00; events at 13:00, 15:00 and an 'other' event
        // cell south|0 (treatment): exposed at 0:10 and again at 5:00; one event at 0:20 (burn-in only)
        // an exposure of another experiment and one before the phase are ignored
        st.execute("INSERT INTO " + q + "exposures VALUES ('north|0','sb',0," + t(0.5) + ",NULL),"
            + " ('north|1','sb',1," + t(10) + ",NULL), ('south|0','sb',1," + t(0.1) + ",NULL),"
            + " ('south|0','sb',1," + t(5) + ",NULL), ('east|0','other',0," + t(1) + ",NULL),"
            + " ('west|0','sb',0," + (ORIGIN - 3_600_000L) + ",NULL)");
        st.execute("INSERT INTO " + q + "metric_events VALUES ('north|0','spend'," + t(1) + ",100,NULL),"
            + " ('north|0','spend'," + t(2) + ",4,NULL), ('north|0','spend'," + t(9.99) + ",6,NULL),"
            + " ('north|0','spend'," + t(10.5) + ",50,NULL), ('north|1','spend'," + t(13) + ",3,NULL),"
            + " ('north|1','spend'," + t(15) + ",5,NULL), ('north|1','other'," + t(14) + ",70,NULL),"
            + " ('south|0','spend'," + t(0.2) + ",9,NULL), ('east|0','spend'," + t(3) + ",8,NULL)");
      }
      Dialect d = w == Warehouse.DUCKDB ? Dialect.DUCKDB : Dialect.POSTGRESQL;
      WarehouseSchema s = WarehouseSchema.assayDefault().withoutProject().withoutFlag().withTables(q + "exposures",
          q + "metric_events");
      SwitchbackStatistics stats = new SwitchbackStatistics(() -> c, d, s, java.time.Duration.ofSeconds(30));
      SwitchbackSettings settings = new SwitchbackSettings(600L, null, 120L,
          Optional.of(java.time.Instant.ofEpochMilli(ORIGIN).toString()));
      MetricQueries.SqlQuery query = stats.query(new MetricQueries.Phase("sb", ORIGIN - MIN, AnalysisPlan.OPEN_END),
          new MetricQueries.Metric("spend", Aggregation.SUM, 3_600_000L, 0, null, null), settings);
      Map<String, double[]> rows = new HashMap<>();
      try (PreparedStatement ps = c.prepareStatement(query.sql())) {
        for (int i = 0; i < query.params().size(); i++) {
          ps.setObject(i + 1, query.params().get(i));
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            rows.put(rs.getString("unit_id"), new double[] {rs.getInt("variation"), rs.getLong("n"),
                rs.getDouble("sum_y"), rs.getDouble("sum_y2"), rs.getLong("burn_in")});
          }
        }
      } finally {
        if (schema != null) {
          try (Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA " + schema + " CASCADE");
          }
        }
      }
      assertThat(rows).containsOnlyKeys("north|0", "north|1", "south|0");
      assertThat(rows.get("north|0")).containsExactly(0, 2, 10, 52, 2);
      assertThat(rows.get("north|1")).containsExactly(1, 2, 8, 34, 0);
      assertThat(rows.get("south|0")).containsExactly(1, 0, 0, 0, 1);
    }
  }

  private static long t(double minutes) {
    return ORIGIN + Math.round(minutes * MIN);
  }
}
