package dev.assay.server.audit;

import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.JdbcConfigStore;
import dev.assay.testsupport.TestPostgres;

class PostgresAuditChainTest extends AuditChainContract {
  private String schema;

  @Override
  protected ConfigStore openFreshStore() {
    schema = TestPostgres.freshSchema();
    return JdbcConfigStore.open(TestPostgres.url(), schema);
  }

  @Override
  protected String jdbcUrl() {
    return TestPostgres.urlWithSchema(schema);
  }
}
