package dev.assay.server.analysis;

import dev.assay.testsupport.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/** The metric SQL on the real PostgreSQL server, in a fresh schema. */
class WarehouseStatisticsPostgresTest extends WarehouseStatisticsContract {

  @Override
  Dialect dialect() {
    return Dialect.POSTGRESQL;
  }

  @Override
  Connection open() throws Exception {
    schema = TestPostgres.freshSchema();
    String url = TestPostgres.url();
    Connection c = DriverManager.getConnection(url + (url.contains("?") ? "&" : "?") + "reWriteBatchedInserts=true");
    try (Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    }
    return c;
  }

  @Override
  void cleanUp(Connection c) throws Exception {
    try (Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA " + schema + " CASCADE");
    }
  }
}
