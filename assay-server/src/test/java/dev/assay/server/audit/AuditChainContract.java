package dev.assay.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.server.store.AuditRecord;
import dev.assay.server.store.ConfigStore;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The hash chain against a real database, tampered with directly through JDBC. */
abstract class AuditChainContract {
  private ConfigStore store;
  private AuditLog audit;

  /** Opens a fresh store; {@link #jdbcUrl()} must then reach the same tables. */
  protected abstract ConfigStore openFreshStore();

  protected abstract String jdbcUrl();

  @BeforeEach
  void open() {
    store = openFreshStore();
    audit = new AuditLog(Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));
    store.write(tx -> {
      for (int i = 1; i <= 5; i++) {
        audit.append(tx, "alice", "update", "FLAG", "p", "f" + i, Optional.of("{\"v\":" + (i - 1) + "}"),
            Optional.of("{\"v\":" + i + ",\"b\":[1,2]}"));
      }
      return null;
    });
  }

  @AfterEach
  void close() {
    store.close();
  }

  private void tamper(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl()); PreparedStatement ps = c.prepareStatement(sql)) {
      assertThat(ps.executeUpdate()).isEqualTo(1);
    }
  }

  @Test
  void verify_untouchedChain_isIntact() {
    AuditLog.Verification v = audit.verify(store);
    assertThat(v.intact()).isTrue();
    assertThat(v.entriesChecked()).isEqualTo(5);
  }

  @Test
  void verify_afterJsonEditedInDatabase_reportsThatEntry() throws SQLException {
    tamper("UPDATE audit_log SET after_json = '{\"v\":999,\"b\":[1,2]}' WHERE seq = 3");
    AuditLog.Verification v = audit.verify(store);
    assertThat(v.intact()).isFalse();
    assertThat(v.firstBrokenSeq()).contains(3L);
    assertThat(v.reason()).hasValueSatisfying(r -> assertThat(r).contains("hash"));
  }

  @Test
  void verify_actorRewrittenWithRecomputedOwnHash_breaksTheNextLink() throws SQLException {
    AuditRecord e2 = store.read(tx -> tx.audit(dev.assay.server.store.AuditQuery.all())).get(1);
    String forged = AuditLog.hash(e2.prevHash(), e2.seq(), e2.at(), "mallory", e2.action(), e2.kind(),
        e2.scope(), e2.key(), e2.before(), e2.after());
    tamper("UPDATE audit_log SET actor = 'mallory', hash = '" + forged + "' WHERE seq = 2");
    AuditLog.Verification v = audit.verify(store);
    assertThat(v.intact()).isFalse();
    assertThat(v.firstBrokenSeq()).contains(3L);
  }

  @Test
  void verify_rowDeleted_reportsTheGap() throws SQLException {
    tamper("DELETE FROM audit_log WHERE seq = 4");
    AuditLog.Verification v = audit.verify(store);
    assertThat(v.intact()).isFalse();
    assertThat(v.firstBrokenSeq()).contains(4L);
  }

  @Test
  void verify_lastRowDeleted_isCaughtByTheHead() throws SQLException {
    tamper("DELETE FROM audit_log WHERE seq = 5");
    assertThat(audit.verify(store).intact()).isFalse();
  }

  @Test
  void hash_keyOrderAndWhitespaceOfStoredJson_doNotMatter() {
    Instant at = Instant.EPOCH;
    String a = AuditLog.hash("0", 1, at, "a", "x", "K", "s", "k", Optional.of("{\"x\":1,\"y\":{\"b\":2,\"a\":1}}"), Optional.empty());
    String b = AuditLog.hash("0", 1, at, "a", "x", "K", "s", "k", Optional.of("{ \"y\": {\"a\":1, \"b\":2}, \"x\": 1 }"), Optional.empty());
    String c = AuditLog.hash("0", 1, at, "a", "x", "K", "s", "k", Optional.of("{\"x\":2,\"y\":{\"b\":2,\"a\":1}}"), Optional.empty());
    assertThat(a).isEqualTo(b).isNotEqualTo(c).hasSize(64);
  }
}
