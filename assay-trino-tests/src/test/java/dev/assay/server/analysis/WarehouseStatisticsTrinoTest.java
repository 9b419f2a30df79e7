package dev.assay.server.analysis;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.UUID;

/**
 * The metric SQL on a real Trino (the memory connector), in a fresh schema, giving the numbers the
 * DuckDB and PostgreSQL runs of the same contract give. The memory connector has no ANALYZE, no
 * column defaults and a broken ADD COLUMN, so those steps of the contract are done another way here.
 */
class WarehouseStatisticsTrinoTest extends WarehouseStatisticsContract {
  private static final int ROWS_PER_INSERT = 5000; // ~0.6 MB of JSON, under Trino's query.max-length
  private static final Map<String, String> TEMPLATES = new HashMap<>();
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  Dialect dialect() {
    return Dialect.TRINO;
  }

  @Override
  Connection open() throws Exception {
    schema = "assay_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    Connection c = DriverManager.getConnection(TestTrino.jdbcUrl());
    try (Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    }
    return c;
  }

  /*
   * The project filter is the same SQL on every dialect (a quoted column and a bound equality) and is
   * proven on DuckDB and PostgreSQL; on the memory connector the test copies every table three times
   * (about 45 s of a loaded 2-core machine), so the CI's time goes to the dialect-specific tests.
   */
  @Override
  @org.junit.jupiter.api.Disabled("dialect-independent SQL, run by the DuckDB and PostgreSQL contracts")
  void projectColumn_everyQueryCountsOnlyThePhasesProjectsEvents() {}

  @Override
  void cleanUp(Connection c) throws Exception {
    try (Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA " + schema + " CASCADE");
    }
  }

  /**
   * Every test loads the same rows (the contract's seeded data): the first load goes, as JSON
   * arrays of rows, into a table of a template schema, and each test copies it with one
   * INSERT ... SELECT. (A JDBC batch would be one Trino query per row, and a multi-row VALUES
   * takes seconds to plan.)
   */
  @Override
  void insert(Connection c, String table, List<Object[]> rows) throws Exception {
    String base = table.substring(table.lastIndexOf('.') + 1);
    String key = base + "/" + rows.size() + "/" + Arrays.deepHashCode(rows.toArray());
    String template;
    synchronized (TEMPLATES) {
      template = TEMPLATES.get(key);
      if (template == null) {
        template = "templates." + base + "_" + TEMPLATES.size();
        load(c, table, template, rows);
        TEMPLATES.put(key, template);
      }
    }
    try (Statement st = c.createStatement()) {
      st.execute("INSERT INTO " + table + " SELECT * FROM " + template);
    }
  }

  private static void load(Connection c, String like, String template, List<Object[]> rows) throws Exception {
    StringBuilder type = new StringBuilder();
    try (Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA IF NOT EXISTS templates");
      st.execute("CREATE TABLE " + template + " AS SELECT * FROM " + like + " WITH NO DATA");
      try (ResultSet rs = st.executeQuery("DESCRIBE " + template)) {
        while (rs.next()) {
          type.append(type.isEmpty() ? "" : ", ").append(rs.getString(1)).append(' ').append(rs.getString(2));
        }
      }
      for (int from = 0; from < rows.size(); from += ROWS_PER_INSERT) {
        String json = JSON.writeValueAsString(rows.subList(from, Math.min(rows.size(), from + ROWS_PER_INSERT)));
        st.execute("INSERT INTO " + template + " SELECT * FROM UNNEST(CAST(json_parse('" + json.replace("'", "''")
            + "') AS ARRAY(ROW(" + type + "))))");
      }
    }
  }

  @Override
  void analyze(Connection c, String table) {
    // the memory connector keeps no column statistics (ANALYZE is not supported)
  }

  /* The memory connector's ADD COLUMN breaks reading the rows inserted before it: a copy with the column instead. */
  @Override
  void addTextColumn(Connection c, String table, String column, int length, String value) throws Exception {
    String with = table + "_with_" + column.toLowerCase(Locale.ROOT);
    String literal = value == null ? "NULL" : "'" + value.replace("'", "''") + "'";
    try (Statement st = c.createStatement()) {
      st.execute("CREATE TABLE " + with + " AS SELECT *, CAST(" + literal + " AS VARCHAR(" + length + ")) AS " + column
          + " FROM " + table);
      st.execute("DROP TABLE " + table);
      st.execute("ALTER TABLE " + with + " RENAME TO " + table);
    }
  }
}
