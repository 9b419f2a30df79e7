package dev.assay.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A customer's warehouse for analysis tests: a fresh schema on the test PostgreSQL
 * ({@link TestPostgres}) with the two tables a warehouse-native analysis reads,
 * {@code exposures (unit_id, experiment_key, variation_id, ts, attributes)} and
 * {@code metric_events (unit_id, name, ts, value, properties)}. Tests write their simulated
 * traffic through {@link #connection()} (batched inserts are rewritten into multi-row ones), call
 * {@link #analyze()} as a warehouse would have planner statistics and an event index, and point
 * the server at {@link #url()}. {@link #close()} drops the schema. Needs the PostgreSQL JDBC driver
 * on the test class path.
 */
public final class SimulatedWarehouse implements AutoCloseable {
  private final String schema;
  private final Connection connection;

  private SimulatedWarehouse(String schema, Connection connection) {
    this.schema = schema;
    this.connection = connection;
  }

  /** Creates a fresh schema with empty {@code exposures} and {@code metric_events} tables. */
  public static SimulatedWarehouse create() throws SQLException {
    String schema = TestPostgres.freshSchema();
    String base = TestPostgres.url();
    Connection c = DriverManager.getConnection(base + (base.contains("?") ? "&" : "?") + "reWriteBatchedInserts=true");
    try (Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
      st.execute("CREATE TABLE " + schema + ".exposures (unit_id VARCHAR, experiment_key VARCHAR,"
          + " variation_id INT, ts BIGINT, attributes VARCHAR)");
      st.execute("CREATE TABLE " + schema + ".metric_events (unit_id VARCHAR, name VARCHAR, ts BIGINT,"
          + " value DOUBLE PRECISION, properties VARCHAR)");
    } catch (SQLException e) {
      c.close();
      throw e;
    }
    return new SimulatedWarehouse(schema, c);
  }

  /** The schema's name, to qualify the tables in inserts. */
  public String schema() {
    return schema;
  }

  /** The connection the tests write their traffic through. */
  public Connection connection() {
    return connection;
  }

  /** The JDBC URL of the warehouse for the server ({@code currentSchema} set). */
  public String url() {
    return TestPostgres.urlWithSchema(schema);
  }

  /** As a warehouse would have them: the event index and statistics for the planner. */
  public void analyze() throws SQLException {
    try (Statement st = connection.createStatement()) {
      st.execute("CREATE INDEX IF NOT EXISTS ev_unit ON " + schema + ".metric_events (unit_id, name)");
      st.execute("ANALYZE " + schema + ".exposures");
      st.execute("ANALYZE " + schema + ".metric_events");
    }
  }

  /** Drops the schema and closes the connection. */
  @Override
  public void close() throws SQLException {
    try (Statement st = connection.createStatement()) {
      st.execute("DROP SCHEMA " + schema + " CASCADE");
    } finally {
      connection.close();
    }
  }
}
