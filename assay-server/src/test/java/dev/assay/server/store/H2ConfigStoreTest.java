package dev.assay.server.store;

import java.nio.file.Files;

/** The store contract on the embedded H2 file database. */
class H2ConfigStoreTest extends ConfigStoreContract {
  @Override
  protected ConfigStore openFreshStore() throws Exception {
    return JdbcConfigStore.embedded(Files.createTempDirectory("assay-h2-"));
  }
}
