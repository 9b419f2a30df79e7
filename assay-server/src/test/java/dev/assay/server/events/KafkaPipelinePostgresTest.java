package dev.assay.server.events;

import dev.assay.testsupport.TestPostgres;
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
    return PostgresEventWarehouse.open(TestPostgres.urlWithSchema(schema));
  }

  @Override
  void dropWarehouse(EventStore warehouse) throws Exception {
    warehouse.close();
    try (Connection c = DriverManager.getConnection(TestPostgres.url()); Statement st = c.createStatement()) {
      st.execute("DROP SCHEMA " + schema + " CASCADE");
    }
  }

  @org.junit.jupiter.api.Test
  void tablesCreatedBeforeEventsWereTagged_gainTheColumns_oldEventsAreTheDefaultProjects() throws Exception {
    String old = TestPostgres.freshSchema();
    String url = TestPostgres.url();
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + old);
      st.execute("CREATE TABLE " + old + ".exposures (id VARCHAR(256) PRIMARY KEY, unit_id VARCHAR(256) NOT NULL,"
          + " experiment_key VARCHAR(256) NOT NULL, variation_id INTEGER NOT NULL, ts BIGINT NOT NULL,"
          + " hash_attribute VARCHAR(256), attributes TEXT)");
      st.execute("CREATE TABLE " + old + ".metric_events (id VARCHAR(256) PRIMARY KEY, unit_id VARCHAR(256) NOT NULL,"
          + " name VARCHAR(256) NOT NULL, ts BIGINT NOT NULL, value DOUBLE PRECISION, properties TEXT)");
      st.execute("INSERT INTO " + old + ".exposures VALUES ('x1', 'u', 'exp', 0, 1780000000000, 'id', '{}')");
    }
    try (PostgresEventWarehouse w = PostgresEventWarehouse.open(TestPostgres.urlWithSchema(old))) {
      Event tagged = new Event("m1", Event.Type.METRIC, 1_780_000_000_001L, "u", null, null, -1, "buy", 1.0, "{}", "shop",
          "prod");
      w.append(java.util.List.of(tagged)).get();
      org.assertj.core.api.Assertions.assertThat(w.unitEvents(EventStore.Scope.project("default"), "u", 10))
          .extracting(Event::id, Event::project, Event::environment)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("x1", "default", null));
      org.assertj.core.api.Assertions.assertThat(w.unitEvents(EventStore.Scope.project("shop"), "u", 10))
          .containsExactly(tagged);
    } finally {
      try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
        st.execute("DROP SCHEMA " + old + " CASCADE");
      }
    }
  }
}
