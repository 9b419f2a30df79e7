package dev.assay.server.events;

import dev.assay.server.store.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/** The Kafka pipeline into a PostgreSQL warehouse (the real server, a fresh schema). */
class KafkaPipelinePostgresTest extends KafkaEventPipelineContract {
  private String schema;

  KafkaPipelinePostgresTest() throws Exception {
    super();
  }

  @Override
  EventStore openWarehouse() throws Exception {
    schema = TestPostgres.freshSchema();
    String url = TestPostgres.url();
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    }
    return PostgresEventWarehouse.open(url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema);
  }

  @Override
  void dropWarehouse(EventStore warehouse) throws Exception {
    warehouse.close();
    try (Connection c = DriverManager.getConnection(TestPostgres.url()); Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA " + schema + " CASCADE");
    }
  }
}
