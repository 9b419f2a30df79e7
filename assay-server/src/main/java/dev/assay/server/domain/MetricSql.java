package dev.assay.server.domain;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The rule a metric's own SQL must follow: exactly one standalone {@code SELECT} (or set
 * operation of SELECTs, with CTEs), reading tables by plain name and calling no table function
 * outside {@link #TABLE_FUNCTIONS} and no file, large-object, remote or administration function
 * ({@link #FORBIDDEN_FUNCTIONS}). Checked on the parse tree, never on the text: DuckDB serializes
 * a SELECT's tree ({@code json_serialize_sql}) and refuses anything else, so comments, quoting
 * and case tricks change nothing. The parser runs on its own in-memory DuckDB database with
 * external access disabled and its configuration locked; the same check serves every dialect
 * (DuckDB's grammar is PostgreSQL's), and the warehouse's read-only sandbox is the second line.
 *
 * <p>Used when a metric is created or updated (400 naming {@code sql}) and again before each
 * refresh runs it. Thread-safe (one parser connection, serialized).
 */
public final class MetricSql {
  /** Table functions a metric may call: generators, no I/O. */
  static final Set<String> TABLE_FUNCTIONS = Set.of("range", "generate_series", "unnest");

  /** Functions that read or write files, reach other servers, or administer the server (PostgreSQL and DuckDB). */
  static final Set<String> FORBIDDEN_FUNCTIONS = Set.of("pg_read_file", "pg_read_binary_file", "pg_ls_dir",
      "pg_stat_file", "pg_ls_logdir", "pg_ls_waldir", "pg_ls_tmpdir", "pg_ls_archive_statusdir",
      "pg_ls_logicalsnapdir", "pg_ls_logicalmapdir", "pg_ls_replslotdir", "pg_file_write", "pg_file_rename",
      "pg_file_unlink", "pg_logdir_ls", "lo_import", "lo_export", "lo_get", "lo_put", "lo_open", "lo_create",
      "lo_creat", "lo_unlink", "lo_from_bytea", "loread", "lowrite", "pg_terminate_backend", "pg_cancel_backend",
      "pg_reload_conf", "pg_rotate_logfile", "pg_promote", "pg_switch_wal", "pg_create_restore_point",
      "pg_backup_start", "pg_backup_stop", "set_config", "current_setting", "pg_advisory_lock",
      "pg_advisory_xact_lock", "pg_notify", "txid_current", "nextval", "setval", "query", "query_table",
      "getenv", "read_text", "read_blob", "read_csv", "read_csv_auto", "read_parquet", "read_json",
      "read_json_auto", "read_ndjson", "glob", "parquet_scan", "sqlite_scan", "postgres_scan");

  /** Prefixes of function names that are always file, remote or administration functions. */
  private static final java.util.List<String> FORBIDDEN_PREFIXES =
      java.util.List.of("dblink", "lo_", "pg_read", "pg_ls_", "pg_file", "pg_stat_file", "pg_replication",
          "pg_drop", "pg_create", "duckdb_", "pragma_", "read_", "pg_catalog.");

  /** Schemas a metric may not read: catalogs of the database itself. */
  private static final Set<String> SYSTEM_SCHEMAS = Set.of("information_schema", "pg_catalog", "pg_toast", "system",
      "temp");

  /** Kinds of FROM items allowed (DuckDB's names); SHOW/SUMMARIZE, PIVOT and the like are not. */
  private static final Set<String> TABLE_REFS = Set.of("BASE_TABLE", "JOIN", "SUBQUERY", "TABLE_FUNCTION", "EMPTY",
      "EXPRESSION_LIST");

  private static final String SHAPE = "must be one SELECT statement (WITH ... SELECT and UNION allowed)"
      + " returning unit_id, ts and value";

  private static Connection parser;

  private MetricSql() {}

  /** Throws a 400 {@link DomainException} naming {@code field} when the SQL breaks the rule. */
  public static void check(String field, String sql) {
    Optional<String> problem = problem(sql);
    if (problem.isPresent()) {
      throw DomainException.invalid(field, problem.get());
    }
  }

  /** Why the SQL breaks the rule (a message safe to show: it quotes only names from the SQL), or empty. */
  public static Optional<String> problem(String sql) {
    JsonNode tree;
    try {
      tree = Json.MAPPER.readTree(serialize(sql));
    } catch (SQLException | java.io.IOException e) {
      throw new IllegalStateException("the SQL parser is unavailable", e);
    }
    if (tree.path("error").asBoolean(true)) {
      return Optional.of(SHAPE + " (it does not parse as one: a syntax error, or a statement other than"
          + " SELECT such as COPY, ATTACH, PRAGMA, SET, CREATE or DELETE)");
    }
    JsonNode statements = tree.path("statements");
    if (statements.size() != 1) {
      return Optional.of(SHAPE + " (found " + statements.size() + " statements)");
    }
    String top = statements.get(0).path("node").path("type").asText();
    if (!top.equals("SELECT_NODE") && !top.equals("SET_OPERATION_NODE")) {
      return Optional.of(SHAPE + " (found " + top + ")");
    }
    return walk(statements.get(0));
  }

  /** The first forbidden construct anywhere in the tree (CTEs, subqueries and expressions included). */
  private static Optional<String> walk(JsonNode node) {
    if (node.isObject()) {
      Optional<String> here = visit(node);
      if (here.isPresent()) {
        return here;
      }
    }
    if (node.isContainerNode()) {
      for (JsonNode child : node) {
        Optional<String> found = walk(child);
        if (found.isPresent()) {
          return found;
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<String> visit(JsonNode n) {
    String type = n.path("type").asText();
    if ("FUNCTION".equals(n.path("class").asText())) {
      String name = n.path("function_name").asText().toLowerCase(Locale.ROOT);
      if (forbidden(name) || forbidden(n.path("schema").asText().toLowerCase(Locale.ROOT) + "." + name)) {
        return Optional.of("may not call " + name + "(): no file, remote, large-object, setting or administration"
            + " functions");
      }
      return Optional.empty();
    }
    boolean tableRef = !n.has("class") && n.has("sample") && n.has("alias");
    if (!tableRef) {
      return Optional.empty();
    }
    if (!TABLE_REFS.contains(type)) {
      return Optional.of("may not read FROM a " + type.toLowerCase(Locale.ROOT) + " (tables, subqueries and joins only)");
    }
    if (type.equals("TABLE_FUNCTION")) {
      String name = n.path("function").path("function_name").asText().toLowerCase(Locale.ROOT);
      if (!TABLE_FUNCTIONS.contains(name)) {
        return Optional.of("may not call the table function " + name + "() (allowed: " + new java.util.TreeSet<>(
            TABLE_FUNCTIONS) + ")");
      }
    }
    if (type.equals("BASE_TABLE")) {
      String table = n.path("table_name").asText();
      String schema = n.path("schema_name").asText().toLowerCase(Locale.ROOT);
      String catalog = n.path("catalog_name").asText().toLowerCase(Locale.ROOT);
      if (!table.matches("[A-Za-z_][A-Za-z0-9_]{0,127}")) {
        return Optional.of("reads tables by plain name only (letters, digits, '_'), not a file or quoted path");
      }
      String lower = table.toLowerCase(Locale.ROOT);
      if (SYSTEM_SCHEMAS.contains(schema) || SYSTEM_SCHEMAS.contains(catalog) || lower.startsWith("pg_")
          || lower.startsWith("duckdb_") || lower.startsWith("sqlite_")) {
        return Optional.of("may not read the database's own catalog (" + (schema.isEmpty() ? table : schema + "." + table)
            + ")");
      }
    }
    return Optional.empty();
  }

  private static boolean forbidden(String name) {
    if (FORBIDDEN_FUNCTIONS.contains(name)) {
      return true;
    }
    for (String p : FORBIDDEN_PREFIXES) {
      if (name.startsWith(p)) {
        return true;
      }
    }
    return false;
  }

  private static synchronized String serialize(String sql) throws SQLException {
    if (parser == null || parser.isClosed()) {
      parser = openParser();
    }
    try (PreparedStatement ps = parser.prepareStatement("SELECT json_serialize_sql(CAST(? AS VARCHAR))")) {
      ps.setString(1, sql);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }
  }

  /* An in-memory database that holds nothing, reaches no file and can never be reconfigured. */
  private static Connection openParser() throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:duckdb:");
    try (Statement st = c.createStatement()) {
      st.execute("SET enable_external_access = false");
      st.execute("SET autoinstall_known_extensions = false");
      st.execute("SET autoload_known_extensions = false");
      st.execute("SET memory_limit = '64MB'");
      st.execute("SET threads = 1");
      st.execute("SET lock_configuration = true");
    }
    return c;
  }
}
