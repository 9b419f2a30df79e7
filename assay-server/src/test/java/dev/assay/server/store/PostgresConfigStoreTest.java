package dev.assay.server.store;

import dev.assay.testsupport.TestPostgres;

/**
 * The store contract on a real PostgreSQL server (URL from {@code ASSAY_TEST_POSTGRES_URL}), in a
 * fresh schema per run.
 */
class PostgresConfigStoreTest extends ConfigStoreContract {
  @Override
  protected ConfigStore openFreshStore() {
    return JdbcConfigStore.open(TestPostgres.url(), TestPostgres.freshSchema());
  }
}
