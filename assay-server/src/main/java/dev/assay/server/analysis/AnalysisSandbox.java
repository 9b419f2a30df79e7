package dev.assay.server.analysis;

import dev.assay.server.domain.DomainException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The sandbox the analysis queries (a metric's own SQL included) run in, per warehouse, and the
 * one place that turns a warehouse failure into what a client may see.
 *
 * <ul>
 *   <li>DuckDB: external access disabled (no file, glob, ATTACH, COPY or HTTP), no extension
 *       install or autoload, {@code memory_limit} and {@code threads} from {@link AnalysisLimits},
 *       then the configuration locked, so no statement can undo any of it. These are settings of
 *       the database instance: the embedded event store's writer shares them (it needs no file
 *       access after opening its parts).
 *   <li>PostgreSQL: every transaction read-only by default ({@code default_transaction_read_only})
 *       and a {@code statement_timeout}, on top of the read-only transaction of each refresh.
 *   <li>Other warehouses: the connection's own role must be read-only (docs/security.md).
 * </ul>
 *
 * <p>A failure's database text may quote files or data, so it never leaves the server: the
 * client gets a code and a fixed message with a reference, the log gets the text.
 */
public final class AnalysisSandbox {
  private static final Logger LOG = Logger.getLogger(AnalysisSandbox.class.getName());

  private AnalysisSandbox() {}

  /**
   * Locks down the DuckDB database instance of this connection (idempotent: an instance already
   * locked is left as it is). Call before any analysis runs on the instance.
   */
  public static void lockDownDuckDb(Connection c, AnalysisLimits limits) throws SQLException {
    c.setAutoCommit(true);
    try (Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery("SELECT current_setting('lock_configuration')")) {
        if (rs.next() && rs.getBoolean(1)) {
          return;
        }
      }
      st.execute("SET enable_external_access = false");
      st.execute("SET autoinstall_known_extensions = false");
      st.execute("SET autoload_known_extensions = false");
      st.execute("SET allow_community_extensions = false");
      st.execute("SET memory_limit = '" + limits.memory() + "'");
      st.execute("SET threads = " + limits.threads());
      st.execute("SET lock_configuration = true");
    }
  }

  /**
   * Connections to a warehouse at a JDBC URL, each prepared as its dialect allows (DuckDB locked
   * down, PostgreSQL read-only with a statement timeout).
   */
  public static ExperimentRefresh.Warehouse warehouse(String url, AnalysisLimits limits) {
    return warehouse(url, WarehouseAccess.DEFAULT, limits);
  }

  /** As above, connecting with the credentials of {@code access} (where given). */
  public static ExperimentRefresh.Warehouse warehouse(String url, WarehouseAccess access, AnalysisLimits limits) {
    Dialect dialect = Dialect.forJdbcUrl(url);
    java.util.Properties credentials = access.properties();
    return () -> {
      Connection c = DriverManager.getConnection(url, credentials);
      try {
        switch (dialect) {
          case DUCKDB -> lockDownDuckDb(c, limits);
          case POSTGRESQL -> readOnlyPostgres(c, limits);
          default -> { } // the role must be read-only (docs/security.md)
        }
        return c;
      } catch (SQLException | RuntimeException e) {
        c.close();
        throw e;
      }
    };
  }

  private static void readOnlyPostgres(Connection c, AnalysisLimits limits) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute("SET default_transaction_read_only = on");
      st.execute("SET statement_timeout = " + limits.queryTimeout().toMillis());
      st.execute("SET idle_in_transaction_session_timeout = " + limits.queryTimeout().toMillis());
    }
  }

  /** Whether a failure is the query being stopped at its time limit. */
  static boolean isTimeout(SQLException e) {
    return e instanceof java.sql.SQLTimeoutException || "57014".equals(e.getSQLState())
        || String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("interrupt");
  }

  /**
   * What the client is told of a failed warehouse query of {@code what} (e.g. "metric 'revenue'"):
   * a 422 with code {@code warehouse_timeout}, {@code analysis_resource_limit} or {@code
   * warehouse_error} and a message without database text; the detail is logged with the reference.
   */
  static DomainException failure(SQLException e, String what, java.time.Duration timeout) {
    if (isTimeout(e)) {
      return unprocessable("warehouse_timeout", "the warehouse query of " + what + " ran longer than the "
          + timeout.toSeconds() + " s limit");
    }
    String ref = Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 16);
    LOG.log(Level.WARNING, "analysis query of " + what + " failed [ref " + ref + "]: " + e.getMessage(), e);
    String state = String.valueOf(e.getSQLState());
    String message = String.valueOf(e.getMessage());
    String see = "; the details are in the server log under reference " + ref;
    if (message.contains("Out of Memory") || state.startsWith("53") || state.equals("54000")) {
      return unprocessable("analysis_resource_limit", "the warehouse query of " + what
          + " needed more memory than analysis may use (--analysis-memory)" + see);
    }
    if (state.equals("25006")) {
      return unprocessable("warehouse_error", "the warehouse query of " + what
          + " tried to write: analysis runs read-only" + see);
    }
    if (state.equals("42501") || message.contains("Permission Error")) {
      return unprocessable("warehouse_error", "the warehouse query of " + what + " was refused: not permitted"
          + " in the analysis sandbox" + see);
    }
    return unprocessable("warehouse_error", "the warehouse query of " + what + " failed (" + kind(e) + ")" + see);
  }

  /* The kind of failure, from a fixed list (DuckDB's error class, or the SQLSTATE class), never its text. */
  private static String kind(SQLException e) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(Catalog|Binder|Parser|Conversion|Out of Range"
        + "|Constraint|Not implemented|Invalid Input|Syntax) Error:").matcher(String.valueOf(e.getMessage()));
    String kind = null;
    while (m.find()) {
      kind = m.group(1).toLowerCase(Locale.ROOT) + " error";
    }
    if (kind != null) {
      return kind;
    }
    String state = e.getSQLState();
    return state != null && state.matches("[0-9A-Z]{5}") ? "SQLSTATE " + state : "database error";
  }

  private static DomainException unprocessable(String code, String message) {
    return new DomainException(DomainException.Category.UNPROCESSABLE, code, message, List.of());
  }
}
