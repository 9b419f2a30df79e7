package dev.assay.server.analysis;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Checks the warehouse's two sources against the schema the analysis reads them with, before an
 * experiment depends on them: each source's columns and types, the mapped columns it lacks, a time
 * column of the wrong kind, and a few sample rows ({@code GET /api/v1/warehouse}, admins only; the
 * web UI's {@code /ui/warehouse} shows the same report). Each source also carries its mapping (the
 * mapping's role, e.g. {@code variationId}, to the column read) and the report the engine's name and
 * version as the JDBC driver reports them.
 * A failing query reports the sandbox's code and reference, never the database's text.
 */
final class WarehouseCheck {
  /** Rows shown per source. */
  static final int SAMPLE_ROWS = 5;
  private static final int MAX_TEXT = 200;
  private static final Set<Integer> TIME_TYPES = Set.of(Types.TIMESTAMP, Types.TIMESTAMP_WITH_TIMEZONE, Types.DATE);
  private static final Set<Integer> NUMBER_TYPES = Set.of(Types.BIGINT, Types.INTEGER, Types.SMALLINT, Types.TINYINT,
      Types.NUMERIC, Types.DECIMAL, Types.DOUBLE, Types.FLOAT, Types.REAL);

  private final ExperimentRefresh.Warehouse warehouse;
  private final Dialect dialect;
  private final WarehouseSchema schema;
  private final Duration timeout;

  WarehouseCheck(ExperimentRefresh.Warehouse warehouse, Dialect dialect, WarehouseSchema schema, Duration timeout) {
    this.warehouse = warehouse;
    this.dialect = dialect;
    this.schema = schema;
    this.timeout = timeout;
  }

  /** The report: the dialect, whether every source is usable, and per source what was found. */
  ObjectNode check() {
    ObjectNode out = JsonNodeFactory.instance.objectNode().put("dialect", dialect.name().toLowerCase(Locale.ROOT));
    ArrayNode sources = out.putArray("sources");
    StringBuilder engine = new StringBuilder();
    boolean ok = source(engine, sources.addObject(), "exposures", schema.exposures(), schema.exposuresFrom(dialect),
        columns(true));
    ok &= source(engine, sources.addObject(), "metrics", schema.metrics(), schema.metricsFrom(dialect),
        columns(false));
    if (!engine.isEmpty()) {
      out.put("engine", engine.toString());
    }
    out.put("ok", ok);
    return out;
  }

  /* The mapped columns a source must have: role (the mapping's field) to column name. */
  private Map<String, String> columns(boolean exposures) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("unitId", schema.unitId());
    m.put("timestamp", schema.timestamp());
    if (exposures) {
      m.put("experimentKey", schema.experimentKey());
      m.put("variationId", schema.variationId());
      m.put("attributes", schema.attributes());
    } else {
      m.put("eventName", schema.eventName());
      m.put("value", schema.value());
      m.put("properties", schema.properties());
    }
    m.put("project", schema.project());
    m.put("flag", schema.flag());
    m.values().removeIf(java.util.Objects::isNull);
    return m;
  }

  /*
   * One source: its definition and mapping (role -> column, also when it cannot be read), then
   * what the query found. The first connection that opens names the engine ({@code engine}).
   */
  private boolean source(StringBuilder engine, ObjectNode o, String name, String definition, String from,
      Map<String, String> mapped) {
    o.put("source", name).put(WarehouseSchema.isQuery(definition) ? "query" : "table", definition);
    ObjectNode mapping = o.putObject("mapping");
    mapped.forEach(mapping::put);
    ArrayNode problems = o.putArray("problems");
    try (Connection c = warehouse.connect(); Statement st = c.createStatement()) {
      if (engine.isEmpty()) {
        java.sql.DatabaseMetaData meta = c.getMetaData();
        engine.append(meta.getDatabaseProductName()).append(' ').append(meta.getDatabaseProductVersion());
      }
      st.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
      st.setMaxRows(SAMPLE_ROWS);
      try (ResultSet rs = st.executeQuery("SELECT * FROM " + from + " LIMIT " + SAMPLE_ROWS)) {
        ResultSetMetaData md = rs.getMetaData();
        Map<String, Integer> types = new LinkedHashMap<>();
        ArrayNode cols = o.putArray("columns");
        for (int i = 1; i <= md.getColumnCount(); i++) {
          types.put(md.getColumnLabel(i).toLowerCase(Locale.ROOT), md.getColumnType(i));
          cols.addObject().put("name", md.getColumnLabel(i)).put("type", md.getColumnTypeName(i));
        }
        mapped.forEach((role, column) -> problem(problems, role, column, types.get(column.toLowerCase(Locale.ROOT))));
        sample(o.putArray("sample"), rs, md);
      }
    } catch (SQLException e) {
      problems.addObject().put("field", name).put("problem", AnalysisSandbox.failure(e, "the " + name
          + " source", timeout).getMessage());
    }
    o.put("ok", problems.isEmpty());
    return problems.isEmpty();
  }

  private void problem(ArrayNode problems, String role, String column, Integer type) {
    String field = "columns." + role;
    if (type == null) {
      problems.addObject().put("field", field).put("problem", "the source has no column '" + column + "'");
    } else if (role.equals("timestamp") && schema.timestampIsMillis() && TIME_TYPES.contains(type)) {
      problems.addObject().put("field", "columns.timestampIsMillis").put("problem", "'" + column
          + "' is a date or timestamp, not epoch milliseconds: set timestampIsMillis: false");
    } else if (role.equals("timestamp") && !schema.timestampIsMillis() && NUMBER_TYPES.contains(type)) {
      problems.addObject().put("field", "columns.timestampIsMillis").put("problem", "'" + column
          + "' is a number: set timestampIsMillis: true if it holds epoch milliseconds");
    } else if ((role.equals("variationId") || role.equals("value")) && !NUMBER_TYPES.contains(type)) {
      problems.addObject().put("field", field).put("problem", "'" + column + "' is not a number");
    }
  }

  private static void sample(ArrayNode rows, ResultSet rs, ResultSetMetaData md) throws SQLException {
    List<String> labels = new ArrayList<>();
    for (int i = 1; i <= md.getColumnCount(); i++) {
      labels.add(md.getColumnLabel(i));
    }
    for (int n = 0; n < SAMPLE_ROWS && rs.next(); n++) {
      ObjectNode row = rows.addObject();
      for (int i = 1; i <= labels.size(); i++) {
        Object v = rs.getObject(i);
        if (v == null) {
          row.putNull(labels.get(i - 1));
        } else if (v instanceof Number num && !(v instanceof java.math.BigDecimal)) {
          // Not one conditional expression: long and double would be promoted to double (1 shown as 1.0).
          if (num.doubleValue() == num.longValue()) {
            row.put(labels.get(i - 1), num.longValue());
          } else {
            row.put(labels.get(i - 1), num.doubleValue());
          }
        } else {
          String text = v.toString();
          row.put(labels.get(i - 1), text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) + "…" : text);
        }
      }
    }
  }
}
