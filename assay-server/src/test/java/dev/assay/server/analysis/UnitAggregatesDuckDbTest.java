package dev.assay.server.analysis;

import java.sql.Connection;
import java.sql.DriverManager;

/** Incremental refresh on DuckDB (in memory). */
class UnitAggregatesDuckDbTest extends UnitAggregatesContract {

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
    // the in-memory database goes with its connection
  }
}
