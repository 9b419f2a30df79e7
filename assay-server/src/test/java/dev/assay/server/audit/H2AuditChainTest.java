package dev.assay.server.audit;

import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.JdbcConfigStore;
import java.util.UUID;

class H2AuditChainTest extends AuditChainContract {
  private String url;

  @Override
  protected ConfigStore openFreshStore() {
    url = "jdbc:h2:mem:audit-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    return JdbcConfigStore.open(url);
  }

  @Override
  protected String jdbcUrl() {
    return url;
  }
}
