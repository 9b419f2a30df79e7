package dev.assay.server.store;

import dev.assay.testsupport.TestPostgres;

/** The job-lease contract on a real PostgreSQL server, in a fresh schema. */
class PostgresJobLeasesTest extends JobLeasesContract {
  @Override
  protected JdbcConfigStore openFreshStore() {
    return JdbcConfigStore.open(TestPostgres.url(), TestPostgres.freshSchema());
  }
}
