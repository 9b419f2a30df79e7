package dev.assay.server.analysis;

import java.sql.Connection;
import java.sql.DriverManager;

/** The metric SQL on a real (in-memory) DuckDB database, the embedded default warehouse. */
class WarehouseStatisticsDuckDbTest extends WarehouseStatisticsContract {

  @Override
  Dialect dialect() {
    return Dialect.DUCKDB;
  }

  @Override
  Connection open() throws Exception {
    return DriverManager.getConnection("jdbc:duckdb:");
  }

  @Override
  void cleanUp(Connection c) {
    // in-memory: gone with the connection
  }
}
