package dev.assay.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.assay.testsupport.TestPostgres;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Replicas sharing a PostgreSQL store (ADR 0047): a second one that would analyse its own embedded
 * warehouse refuses to start and says why, unless allowed; a replica that stops gives its place up
 * at once; with a shared warehouse there is no such limit.
 */
class LocalWarehouseLeaseTest {
  private static final String TOKEN = "local-warehouse-admin-token-0123";
  private String url;

  @BeforeEach
  void schema() throws Exception {
    String schema = TestPostgres.freshSchema();
    try (Connection c = DriverManager.getConnection(TestPostgres.url()); Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA " + schema);
    }
    url = TestPostgres.urlWithSchema(schema);
  }

  private ServerConfig.Builder replica(String name) throws Exception {
    return AssayServer.builder().port(0).host("127.0.0.1").dataDir(Files.createTempDirectory(name))
        .databaseUrl(url).adminToken(TOKEN);
  }

  @Test
  void secondReplicaWithItsOwnWarehouse_isRefusedNamingTheOption_unlessAllowed() throws Exception {
    try (AssayServer first = replica("first").start()) {
      assertThatThrownBy(() -> replica("second").start())
          .isInstanceOfSatisfying(InvalidOption.class, e -> {
            assertThat(e.option()).isEqualTo("allowLocalWarehouse");
            assertThat(e.reason()).contains("another replica sharing this store").contains("--warehouse-url")
                .contains("--allow-local-warehouse");
          });
      try (AssayServer allowed = replica("allowed").allowLocalWarehouse(true).start()) {
        assertThat(allowed.port()).isPositive().isNotEqualTo(first.port());
      }
    }
  }

  @Test
  void replicaThatStops_givesUpTheLease_soTheNextTakesItAtOnce() throws Exception {
    try (AssayServer before = replica("before").start()) {
      assertThat(leaseHolders()).as("held while the replica runs").isEqualTo(1);
    }
    assertThat(leaseHolders()).as("given up when it stopped").isZero();
    try (AssayServer next = replica("after").start()) {
      assertThat(leaseHolders()).isEqualTo(1);
    }
  }

  private int leaseHolders() throws Exception {
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
        var rs = st.executeQuery("SELECT count(*) FROM job_leases WHERE name = '" + LocalWarehouseLease.NAME + "'")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  void replicasWithASharedWarehouse_startSideBySide() throws Exception {
    try (AssayServer a = replica("shared-a").warehouseUrl(url).start();
        AssayServer b = replica("shared-b").warehouseUrl(url).start()) {
      assertThat(b.port()).isNotEqualTo(a.port());
    }
  }
}
