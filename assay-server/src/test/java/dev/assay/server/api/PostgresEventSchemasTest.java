package dev.assay.server.api;

/** {@link EventSchemasTest} on PostgreSQL (the schemas and settings as store kinds of the production store). */
class PostgresEventSchemasTest extends EventSchemasTest {
  @Override
  TestServer server() {
    return TestServer.postgres();
  }
}
