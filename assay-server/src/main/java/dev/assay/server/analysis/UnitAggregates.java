package dev.assay.server.analysis;

import dev.assay.server.analysis.MetricQueries.Metric;
import dev.assay.server.analysis.MetricQueries.Phase;
import dev.assay.stats.CupedStats;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The per-unit aggregates of an incremental refresh (ADR 0050), kept in the warehouse between
 * refreshes: one table per experiment phase and metric set ({@link UnitAggregateSql}) and a row of
 * {@value #STATE} per table with its horizon — every exposure and metric event with a time before
 * the horizon is folded in, nothing at or after it. A {@linkplain #fold fold} moves the horizon
 * forward over the events in between (one transaction: the touched units' rows replaced and the
 * horizon moved together, or neither); a {@linkplain #read read} returns the statistics of the
 * table plus everything from its horizon on, so the newest events count at once without being
 * stored.
 *
 * <p>The table's name is a hash of what its numbers depend on — the schema, the phase (its
 * bounds: a phase that ends, or a new one, is another table) and every metric's definition — so
 * a changed definition finds no table and is folded from the phase start, i.e. recomputed in
 * full. Events that arrive after the horizon has passed their time are not in the table (a full
 * recompute, or {@link #invalidate}, counts them): the caller keeps the horizon a lateness bound
 * behind the present. Only for warehouses Assay writes (its own tables, not query sources).
 */
public final class UnitAggregates {
  /** The table of horizons (one row per aggregate table). */
  static final String STATE = "assay_unit_aggregate_state";
  /* Part of every table's name hash: a change of the table layout or its SQL's meaning is a new table. */
  private static final String LAYOUT = "unit-aggregates-1";
  private static final String DELTA = "assay_unit_aggregate_delta";
  private static final String TOUCHED = "assay_unit_aggregate_touched";

  private final Dialect d;
  private final WarehouseSchema s;
  private final java.time.Duration timeout;

  public UnitAggregates(Dialect dialect, WarehouseSchema schema, java.time.Duration timeout) {
    if (!supported(dialect, schema)) {
      throw new IllegalArgumentException("incremental aggregates need Assay's own DuckDB or PostgreSQL tables");
    }
    this.d = dialect;
    this.s = schema;
    this.timeout = timeout;
  }

  /** Whether the warehouse can hold the aggregates: DuckDB or PostgreSQL, tables rather than source queries. */
  public static boolean supported(Dialect dialect, WarehouseSchema schema) {
    return (dialect == Dialect.DUCKDB || dialect == Dialect.POSTGRESQL) && !WarehouseSchema.isQuery(schema.exposures())
        && !WarehouseSchema.isQuery(schema.metrics());
  }

  /** Whether a phase can be folded: neither clustered, triggered nor an A/A split. */
  public static boolean foldable(Phase phase) {
    return phase.cluster() == null && phase.trigger() == null && phase.aaSalt() == null;
  }

  /**
   * What a fold did.
   *
   * @param table the aggregate table
   * @param from the horizon before (the phase start when the table was built)
   * @param horizon the horizon after
   * @param built whether the table was new (a full computation from the phase start)
   * @param units rows written (units touched)
   */
  public record Fold(String table, long from, long horizon, boolean built, long units) {}

  /** The statistics read back: exposure counts and, per metric in the order given, per-variation sums. */
  public record Read(WarehouseStatistics.ExposureCounts counts, List<List<CupedStats>> metrics, long horizon,
      MetricQueries.SqlQuery query, QueryRows rows) {}

  /** The aggregate table of a phase and metric set. */
  String table(Phase phase, List<Metric> metrics) {
    String key = LAYOUT + "\n" + s + "\n" + phase + "\n" + metrics;
    try {
      byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return "assay_unit_aggregates_" + HexFormat.of().formatHex(h, 0, 10);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Folds the exposures and events with a time in [current horizon, {@code horizon}) into the
   * table, building it from the phase start when there is none, and recomputes its tail; commits.
   * A horizon not ahead of the table's folds nothing (the tail is still recomputed). {@code c}
   * must be a connection that may write.
   */
  public Fold fold(Connection c, Phase phase, List<Metric> metrics, long horizon) throws SQLException {
    check(phase, metrics);
    String table = table(phase, metrics);
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      writable(c);
      ensureState(c);
      Optional<Long> current = horizon(c, table);
      boolean built = current.isEmpty();
      long from = current.orElse(phase.startMillis());
      if (built) {
        // the previous tables of this experiment (an ended phase's open bounds, older definitions)
        for (String old : tables(c, owner(phase))) {
          drop(c, old);
        }
        drop(c, table); // left without its state row
        execute(c, UnitAggregateSql.create(d, table, metrics.size(), true), List.of());
        execute(c, UnitAggregateSql.create(d, tail(table), metrics.size(), true), List.of());
        execute(c, "INSERT INTO " + STATE + " (table_name, experiment_key, horizon) VALUES (?, ?, ?)",
            List.of(table, owner(phase), from));
      }
      long to = Math.max(from, horizon);
      long units = 0;
      if (to > from) {
        stage(c, phase, metrics, table, from, to);
        execute(c, "DELETE FROM " + d.ident(table) + " WHERE unit_id IN (SELECT unit_id FROM " + DELTA + ")", List.of());
        units = execute(c, "INSERT INTO " + d.ident(table) + " SELECT * FROM " + DELTA, List.of());
      }
      // the tail: what everything from the horizon on makes of the units it touches, read with the table
      stage(c, phase, metrics, table, to, Long.MAX_VALUE / 2);
      execute(c, "DELETE FROM " + d.ident(tail(table)), List.of());
      execute(c, "INSERT INTO " + d.ident(tail(table)) + " SELECT * FROM " + DELTA, List.of());
      execute(c, "DROP TABLE " + DELTA, List.of());
      // Moves the horizon only from where this fold started: a concurrent fold of the same range
      // (another server) updates nothing here and this one is rolled back, so nothing counts twice.
      if (execute(c, "UPDATE " + STATE + " SET horizon = ? WHERE table_name = ? AND horizon = ?",
          List.of(to, table, from)) != 1) {
        throw new SQLException("the aggregate table " + table + " was folded concurrently", "40001");
      }
      c.commit();
      return new Fold(table, from, to, built, units);
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  /* The new rows of the units touched by [lo, hi) into the temporary table DELTA, in two steps. */
  private void stage(Connection c, Phase phase, List<Metric> metrics, String table, long lo, long hi)
      throws SQLException {
    execute(c, "DROP TABLE IF EXISTS " + TOUCHED, List.of());
    execute(c, UnitAggregateSql.createTouched(d, TOUCHED, metrics.size()), List.of());
    MetricQueries.SqlQuery touched = UnitAggregateSql.touched(d, s, phase, metrics, table, lo, hi);
    execute(c, "INSERT INTO " + TOUCHED + " " + touched.sql(), touched.params());
    execute(c, "DROP TABLE IF EXISTS " + DELTA, List.of());
    execute(c, UnitAggregateSql.create(d, DELTA, metrics.size(), false).replaceFirst("^CREATE TABLE",
        "CREATE TEMPORARY TABLE"), List.of());
    MetricQueries.SqlQuery delta = UnitAggregateSql.delta(d, s, phase, metrics, TOUCHED, lo, hi);
    execute(c, "INSERT INTO " + DELTA + " " + delta.sql(), delta.params());
    execute(c, "DROP TABLE " + TOUCHED, List.of());
  }

  /* The table of a table's tail rows. */
  private static String tail(String table) {
    return table + "_tail";
  }

  /**
   * The statistics of the phase's metrics from the table and its tail as of the last fold, or
   * empty when there is no table (never folded, or invalidated). Works in a read-only transaction.
   */
  public Optional<Read> read(Connection c, Phase phase, List<Metric> metrics, int variations) throws SQLException {
    check(phase, metrics);
    String table = table(phase, metrics);
    Optional<Long> horizon = stateExists(c) ? horizon(c, table) : Optional.empty();
    if (horizon.isEmpty()) {
      return Optional.empty();
    }
    MetricQueries.SqlQuery q = UnitAggregateSql.statistics(d, metrics, table, tail(table));
    QueryRows rs;
    try (PreparedStatement ps = prepared(c, q.sql(), q.params())) {
      rs = QueryRows.read(ps.executeQuery());
    }
    long[] units = new long[variations];
    long multiple = 0;
    List<List<CupedStats>> out = WarehouseStatistics.empty(metrics.size(), variations);
    while (rs.next()) {
      int v = rs.getInt("variation");
      long n = rs.getLong("n");
      if (v == -1) {
        multiple = n;
        continue;
      }
      if (v < 0 || v >= variations) {
        continue;
      }
      units[v] = n;
      for (int i = 0; i < metrics.size(); i++) {
        out.get(i).set(v, new CupedStats(n, rs.getDouble("sum_y_" + i), rs.getDouble("sum_x_" + i),
            rs.getDouble("sum_y2_" + i), rs.getDouble("sum_x2_" + i), rs.getDouble("sum_xy_" + i)));
      }
    }
    return Optional.of(new Read(new WarehouseStatistics.ExposureCounts(units, multiple), out, horizon.get(), q, rs));
  }

  /** Drops the table of a phase and metric set (a full recompute asked for): the next fold builds it anew. */
  public void invalidate(Connection c, Phase phase, List<Metric> metrics) throws SQLException {
    String table = table(phase, metrics);
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      writable(c);
      ensureState(c);
      drop(c, table);
      c.commit();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  /* Whose tables: the experiment of its project (keys are unique per project only). */
  private static String owner(Phase phase) {
    return (phase.project() == null ? "" : phase.project()) + "/" + phase.experimentKey();
  }

  private static void check(Phase phase, List<Metric> metrics) {
    if (!foldable(phase)) {
      throw new IllegalArgumentException("a clustered, triggered or A/A phase is not folded incrementally");
    }
    if (metrics.isEmpty() || metrics.stream().anyMatch(m -> m.sqlSource() != null)) {
      throw new IllegalArgumentException("incremental aggregates need one or more event-defined metrics");
    }
  }

  /* PostgreSQL analysis sessions default to read-only transactions (AnalysisSandbox): this one writes. */
  private void writable(Connection c) throws SQLException {
    if (d == Dialect.POSTGRESQL) {
      try (Statement st = c.createStatement()) {
        st.execute("SET TRANSACTION READ WRITE");
      }
    }
  }

  private void ensureState(Connection c) throws SQLException {
    execute(c, "CREATE TABLE IF NOT EXISTS " + STATE + " (table_name VARCHAR(64) PRIMARY KEY,"
        + " experiment_key VARCHAR(512) NOT NULL, horizon BIGINT NOT NULL)", List.of());
  }

  private boolean stateExists(Connection c) throws SQLException {
    try (ResultSet rs = c.getMetaData().getTables(null, null, STATE, new String[] {"TABLE", "BASE TABLE"})) {
      return rs.next();
    }
  }

  private Optional<Long> horizon(Connection c, String table) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT horizon FROM " + STATE + " WHERE table_name = ?")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
      }
    }
  }

  private List<String> tables(Connection c, String experimentKey) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT table_name FROM " + STATE + " WHERE experiment_key = ?")) {
      ps.setString(1, experimentKey);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

  private void drop(Connection c, String table) throws SQLException {
    execute(c, "DROP TABLE IF EXISTS " + d.ident(table), List.of());
    execute(c, "DROP TABLE IF EXISTS " + d.ident(tail(table)), List.of());
    execute(c, "DELETE FROM " + STATE + " WHERE table_name = ?", List.of(table));
  }

  private long execute(Connection c, String sql, List<Object> params) throws SQLException {
    try (PreparedStatement ps = prepared(c, sql, params)) {
      ps.execute();
      return Math.max(0, ps.getUpdateCount());
    }
  }

  /* Only Assay's SQL runs here (no metric's own), each statement under the query timeout. */
  private PreparedStatement prepared(Connection c, String sql, List<Object> params) throws SQLException {
    PreparedStatement ps = d.prepare(c, sql, params);
    try {
      ps.setQueryTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toSeconds()));
    } catch (java.sql.SQLFeatureNotSupportedException ignored) {
      // the driver has no per-statement timeout
    }
    return ps;
  }
}
