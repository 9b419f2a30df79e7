package dev.assay.server.api;

/** {@link DataQualityTest} with the PostgreSQL store (settings and the experiments the flagging rules read). */
class PostgresDataQualityTest extends DataQualityTest {
  @Override
  TestServer server() {
    return TestServer.postgres();
  }
}
