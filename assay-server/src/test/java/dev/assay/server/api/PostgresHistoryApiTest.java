package dev.assay.server.api;

/** {@link HistoryApiTest} on PostgreSQL (the audit log and its replay on the production store). */
class PostgresHistoryApiTest extends HistoryApiTest {
  @Override
  TestServer server() {
    return TestServer.postgres();
  }
}
