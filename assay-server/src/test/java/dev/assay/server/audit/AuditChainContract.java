package dev.assay.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.assay.server.store.AuditHead;
import dev.assay.server.store.AuditQuery;
import dev.assay.server.store.AuditRecord;
import dev.assay.server.store.ConfigStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The hash chain against a real database, tampered with directly through JDBC by someone who has
 * the database but not the audit key; the anchor file is a real file.
 */
abstract class AuditChainContract {
  private static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");
  private ConfigStore store;
  private AuditLog audit;
  private AuditAnchor anchor;
  private Path anchorFile;

  /** Opens a fresh store; {@link #jdbcUrl()} must then reach the same tables. */
  protected abstract ConfigStore openFreshStore();

  protected abstract String jdbcUrl();

  @BeforeEach
  void open() throws IOException {
    store = openFreshStore();
    AuditKey key = AuditKey.of("0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8));
    anchorFile = Files.createTempDirectory("assay-anchor-").resolve(AuditAnchor.FILE_NAME);
    anchor = AuditAnchor.open(anchorFile, key);
    anchor.checkpoint(head(), AT);
    audit = new AuditLog(Clock.fixed(AT, ZoneOffset.UTC), key, anchor);
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

  private AuditHead head() {
    return store.read(tx -> tx.auditHead());
  }

  private List<AuditRecord> entries() {
    return store.read(tx -> tx.audit(AuditQuery.all()));
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
  void verify_actorRewrittenWithRecomputedOwnHash_failsThatEntrysMacBeforeTheNextLink() throws SQLException {
    AuditRecord e2 = store.read(tx -> tx.audit(dev.assay.server.store.AuditQuery.all())).get(1);
    String forged = AuditLog.hash(e2.prevHash(), e2.seq(), e2.at(), "mallory", e2.action(), e2.kind(),
        e2.scope(), e2.key(), e2.before(), e2.after());
    tamper("UPDATE audit_log SET actor = 'mallory', hash = '" + forged + "' WHERE seq = 2");
    AuditLog.Verification v = audit.verify(store);
    assertThat(v.intact()).isFalse();
    assertThat(v.firstBrokenSeq()).contains(2L);
    assertThat(v.reason()).hasValueSatisfying(r -> assertThat(r).contains("MAC does not match"));
  }

  @Test
  void verify_reasonRewrittenInDatabase_reportsThatEntry_andAnEntryWithoutReasonHashesAsBefore() throws SQLException {
    AuditRecord withReason = store.write(tx -> audit.append(tx, "alice", "update", "FLAG", "p", "f9",
        Optional.of("{}"), Optional.of("{\"v\":1}"), Optional.of("incident 7")));
    assertThat(entries().get(5).reason()).contains("incident 7");
    assertThat(audit.verify(store).intact()).isTrue();
    AuditRecord e1 = entries().get(0);
    assertThat(AuditLog.hash(e1.prevHash(), e1.seq(), e1.at(), e1.actor(), e1.action(), e1.kind(), e1.scope(),
        e1.key(), e1.before(), e1.after(), Optional.empty())).isEqualTo(e1.hash());
    tamper("UPDATE audit_log SET reason = 'nothing to see' WHERE seq = " + withReason.seq());
    AuditLog.Verification v = audit.verify(store);
    assertThat(v.intact()).isFalse();
    assertThat(v.firstBrokenSeq()).contains(withReason.seq());
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
  void verify_tailCutAndHeadRewritten_reportsTheCutAgainstTheCheckpoint() throws SQLException {
    assertThat(anchor.checkpoint(head(), AT)).isTrue();
    AuditRecord e3 = entries().get(2);
    tamper("DELETE FROM audit_log WHERE seq = 5");
    tamper("DELETE FROM audit_log WHERE seq = 4");
    tamper("UPDATE audit_head SET seq = 3, hash = '" + e3.hash() + "' WHERE id = 1");
    AuditLog.Verification v = audit.verify(store);
    assertThat(v.intact()).isFalse();
    assertThat(v.entriesChecked()).isEqualTo(3);
    assertThat(v.anchoredThrough()).isEqualTo(5);
    assertThat(v.firstBrokenSeq()).contains(4L);
    assertThat(v.reason()).hasValueSatisfying(r -> assertThat(r).contains("checkpointed entry 5", "cut"));
  }

  @Test
  void verify_tailCutThenRegrownPastTheCheckpoint_reportsTheEntryThatDiffers() throws SQLException {
    assertThat(anchor.checkpoint(head(), AT)).isTrue();
    AuditRecord e3 = entries().get(2);
    tamper("DELETE FROM audit_log WHERE seq = 5");
    tamper("DELETE FROM audit_log WHERE seq = 4");
    tamper("UPDATE audit_head SET seq = 3, hash = '" + e3.hash() + "' WHERE id = 1");
    store.write(tx -> {
      for (int i = 0; i < 3; i++) {
        audit.append(tx, "mallory", "update", "FLAG", "p", "other" + i, Optional.empty(), Optional.of("{}"));
      }
      return null;
    });
    AuditLog.Verification v = audit.verify(store);
    assertThat(v.intact()).isFalse();
    assertThat(v.firstBrokenSeq()).contains(5L);
    assertThat(v.reason()).hasValueSatisfying(r -> assertThat(r).contains("checkpoint"));
  }

  @Test
  void verify_entryRewrittenAndWholeChainRecomputedWithoutKey_reportsTheForgedMac() throws SQLException {
    List<AuditRecord> all = entries();
    String prev = all.get(0).hash();
    for (AuditRecord e : all.subList(1, all.size())) {
      String actor = e.seq() == 2 ? "mallory" : e.actor();
      String forged = AuditLog.hash(prev, e.seq(), e.at(), actor, e.action(), e.kind(), e.scope(), e.key(),
          e.before(), e.after());
      tamper("UPDATE audit_log SET actor = '" + actor + "', prev_hash = '" + prev + "', hash = '" + forged
          + "' WHERE seq = " + e.seq());
      prev = forged;
    }
    tamper("UPDATE audit_head SET hash = '" + prev + "' WHERE id = 1");
    AuditLog.Verification v = audit.verify(store);
    assertThat(v.intact()).isFalse();
    assertThat(v.firstBrokenSeq()).contains(2L);
    assertThat(v.reason()).hasValueSatisfying(r -> assertThat(r).contains("MAC does not match"));
  }

  @Test
  void verify_entryAppendedWithoutKey_reportsTheMissingMac() throws SQLException {
    AuditRecord last = entries().get(4);
    String forged = AuditLog.hash(last.hash(), 6, AT, "mallory", "delete", "FLAG", "p", "f1",
        Optional.of("{}"), Optional.empty());
    tamper("INSERT INTO audit_log (seq, at_millis, actor, action, kind, scope, entity_key, before_json, after_json,"
        + " prev_hash, hash) VALUES (6, " + AT.toEpochMilli() + ", 'mallory', 'delete', 'FLAG', 'p', 'f1', '{}', NULL, '"
        + last.hash() + "', '" + forged + "')");
    tamper("UPDATE audit_head SET seq = 6, hash = '" + forged + "' WHERE id = 1");
    AuditLog.Verification v = audit.verify(store);
    assertThat(v.intact()).isFalse();
    assertThat(v.firstBrokenSeq()).contains(6L);
    assertThat(v.reason()).hasValueSatisfying(r -> assertThat(r).contains("no MAC"));
  }

  @Test
  void verify_checkpointLineForgedWithoutKey_reportsTheAnchor() throws IOException {
    Files.writeString(anchorFile, "{\"seq\":2,\"hash\":\"" + "0".repeat(64) + "\",\"at\":1,\"mac\":\"" + "0".repeat(64)
        + "\"}\n", java.nio.file.StandardOpenOption.APPEND);
    AuditLog.Verification v = audit.verify(store);
    assertThat(v.intact()).isFalse();
    assertThat(v.reason()).hasValueSatisfying(r -> assertThat(r).contains("line 2", "MAC"));
  }

  @Test
  void verify_anchorFileDeleted_reportsTheMissingAnchor() throws IOException {
    Files.delete(anchorFile);
    AuditLog.Verification v = audit.verify(store);
    assertThat(v.intact()).isFalse();
    assertThat(v.anchoredThrough()).isEqualTo(-1);
    assertThat(v.reason()).hasValueSatisfying(r -> assertThat(r).contains(AuditAnchor.FILE_NAME, "missing"));
  }

  @Test
  void checkpoint_headNotPastTheLastOne_appendsNothing() throws IOException {
    assertThat(anchor.checkpoint(head(), AT)).isTrue();
    long size = Files.size(anchorFile);
    assertThat(anchor.checkpoint(head(), AT.plusSeconds(5))).isFalse();
    assertThat(Files.size(anchorFile)).isEqualTo(size);
    AuditLog.Verification v = audit.verify(store);
    assertThat(v.intact()).isTrue();
    assertThat(v.anchoredThrough()).isEqualTo(5);
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
