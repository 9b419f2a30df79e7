package dev.assay.server.analysis;

import dev.assay.testsupport.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/** Incremental refresh on the real PostgreSQL server, in a fresh schema (the connection's search path). */
class UnitAggregatesPostgresTest extends UnitAggregatesContract {
  private String schema;

  @Override
  Dialect dialect() {
    return Dialect.POSTGRESQL;
  }

  @Override
  Connection open() throws Exception {
    schema = TestPostgres.freshSchema();
    String url = TestPostgres.url();
    try (Connection admin = DriverManager.getConnection(url); Statement st = admin.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    }
    return DriverManager.getConnection(url + (url.contains("?") ? "&" : "?") + "reWriteBatchedInserts=true"
        + "&currentSchema=" + schema);
  }

  @Override
  void cleanUp(Connection c) throws Exception {
    try (Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA " + schema + " CASCADE");
    }
  }
}
