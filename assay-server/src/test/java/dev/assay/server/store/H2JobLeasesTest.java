package dev.assay.server.store;

import java.nio.file.Files;

/** The job-lease contract on the embedded H2 file database. */
class H2JobLeasesTest extends JobLeasesContract {
  @Override
  protected JdbcConfigStore openFreshStore() throws Exception {
    return JdbcConfigStore.embedded(Files.createTempDirectory("assay-leases-"));
  }
}
