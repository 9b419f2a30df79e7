package dev.assay.server.auth;

import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.JdbcConfigStore;
import dev.assay.server.store.TestPostgres;
import java.nio.file.Path;

/** {@link LoginsTest} on a fresh schema of the test PostgreSQL (migration V5 in its dialect). */
class LoginsPostgresTest extends LoginsTest {
  @Override
  ConfigStore openStore(Path dir) {
    String schema = TestPostgres.freshSchema();
    String base = TestPostgres.url();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(base);
        java.sql.Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException("cannot create schema on " + base, e);
    }
    return JdbcConfigStore.open(base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema);
  }
}
