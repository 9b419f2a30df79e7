package dev.assay.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The contract every {@link ConfigStore} implementation must meet. Subclasses open one fresh,
 * empty store per test class; tests use distinct scopes so they do not interfere.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ConfigStoreContract {
  private ConfigStore store;

  protected abstract ConfigStore openFreshStore() throws Exception;

  @BeforeAll
  void open() throws Exception {
    store = openFreshStore();
  }

  @AfterAll
  void close() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void insert_newKey_startsAtVersionOneAndReadsBack() {
    StoredEntity created = store.write(tx -> tx.insert(Kind.FLAG, "p1", "checkout", "{\"a\":1}"));
    assertThat(created.version()).isEqualTo(1);
    Optional<StoredEntity> read = get(Kind.FLAG, "p1", "checkout");
    assertThat(read).get().extracting(StoredEntity::body, StoredEntity::version)
        .containsExactly("{\"a\":1}", 1L);
    assertThat(get(Kind.FLAG, "other", "checkout")).isEmpty();
    assertThat(get(Kind.EXPERIMENT, "p1", "checkout")).isEmpty();
  }

  @Test
  void insert_existingKey_throwsDuplicateAndKeepsOriginal() {
    store.write(tx -> tx.insert(Kind.FLAG, "p2", "dup", "{\"v\":1}"));
    assertThatThrownBy(() -> store.write(tx -> tx.insert(Kind.FLAG, "p2", "dup", "{\"v\":2}")))
        .isInstanceOf(DuplicateKeyException.class).hasMessageContaining("dup");
    assertThat(get(Kind.FLAG, "p2", "dup").orElseThrow().body())
        .isEqualTo("{\"v\":1}");
  }

  @Test
  void update_currentVersion_incrementsVersion() {
    store.write(tx -> tx.insert(Kind.METRIC, "p3", "m", "{\"v\":1}"));
    StoredEntity updated = store.write(tx -> tx.update(Kind.METRIC, "p3", "m", 1, "{\"v\":2}"));
    assertThat(updated.version()).isEqualTo(2);
    assertThat(updated.body()).isEqualTo("{\"v\":2}");
  }

  @Test
  void update_staleVersion_conflictsAndChangesNothing() {
    store.write(tx -> tx.insert(Kind.METRIC, "p4", "m", "{\"v\":1}"));
    store.write(tx -> tx.update(Kind.METRIC, "p4", "m", 1, "{\"v\":2}"));
    assertThatThrownBy(() -> store.write(tx -> tx.update(Kind.METRIC, "p4", "m", 1, "{\"v\":3}")))
        .isInstanceOfSatisfying(VersionConflictException.class, e -> {
          assertThat(e.expected()).isEqualTo(1);
          assertThat(e.current()).isEqualTo(2);
        });
    StoredEntity now = get(Kind.METRIC, "p4", "m").orElseThrow();
    assertThat(now.version()).isEqualTo(2);
    assertThat(now.body()).isEqualTo("{\"v\":2}");
  }

  @Test
  void update_missing_throwsNotFound() {
    assertThatThrownBy(() -> store.write(tx -> tx.update(Kind.SEGMENT, "p5", "nope", 1, "{}")))
        .isInstanceOf(EntityNotFoundException.class);
  }

  @Test
  void delete_staleVersion_conflictsAndKeepsEntity() {
    store.write(tx -> tx.insert(Kind.LAYER, "p6", "l", "{}"));
    store.write(tx -> tx.update(Kind.LAYER, "p6", "l", 1, "{\"x\":1}"));
    assertThatThrownBy(() -> store.write(tx -> { tx.delete(Kind.LAYER, "p6", "l", 1); return null; }))
        .isInstanceOf(VersionConflictException.class);
    assertThat(get(Kind.LAYER, "p6", "l")).isPresent();
    store.write(tx -> { tx.delete(Kind.LAYER, "p6", "l", 2); return null; });
    assertThat(get(Kind.LAYER, "p6", "l")).isEmpty();
  }

  @Test
  void write_workThrows_rollsBackEverything() {
    assertThatThrownBy(() -> store.write(tx -> {
      tx.insert(Kind.FLAG, "p7", "a", "{}");
      throw new IllegalStateException("boom");
    })).isInstanceOf(IllegalStateException.class);
    assertThat(list(Kind.FLAG, "p7")).isEmpty();
  }

  @Test
  void list_returnsKindAndScopeOnlyOrderedByKey() {
    store.write(tx -> {
      tx.insert(Kind.SEGMENT, "p8", "b", "{}");
      tx.insert(Kind.SEGMENT, "p8", "a", "{}");
      tx.insert(Kind.SEGMENT, "p9", "c", "{}");
      tx.insert(Kind.METRIC, "p8", "z", "{}");
      return null;
    });
    assertThat(list(Kind.SEGMENT, "p8")).extracting(StoredEntity::key)
        .containsExactly("a", "b");
  }

  @Test
  void body_largeUnicodeDocument_roundTrips() {
    String big = "{\"s\":\"" + "ü€😀".repeat(20_000) + "\"}";
    store.write(tx -> tx.insert(Kind.EXPERIMENT, "p10", "big", big));
    assertThat(get(Kind.EXPERIMENT, "p10", "big").orElseThrow().body())
        .isEqualTo(big);
  }

  @Test
  void apiKeys_projectScope_roundTrips() {
    Instant t = Instant.ofEpochMilli(1_700_000_000_000L);
    var scoped = new ApiKeyRecord("k-scoped", "ci", "viewer", "s".repeat(64), t, "test", Optional.empty(),
        java.util.List.of("shop", "web.v2"));
    var all = new ApiKeyRecord("k-all", "ci", "viewer", "a".repeat(64), t, "test", Optional.empty());
    store.write(tx -> { tx.insertApiKey(scoped); tx.insertApiKey(all); return null; });
    assertThat(store.read(tx -> tx.apiKey("k-scoped")).orElseThrow().projects()).containsExactly("shop", "web.v2");
    assertThat(store.read(tx -> tx.apiKey("k-all")).orElseThrow().projects()).isEmpty();
  }

  @Test
  void apiKeys_insertFindRevoke() {
    Instant t = Instant.ofEpochMilli(1_700_000_000_000L);
    var key = new ApiKeyRecord("k-contract", "ci", "admin", "h".repeat(64), t, "test", Optional.empty());
    store.write(tx -> { tx.insertApiKey(key); return null; });
    assertThat(keyByHash("h".repeat(64))).contains(key);
    boolean first = store.write(tx -> tx.revokeApiKey("k-contract", t.plusSeconds(1)));
    boolean second = store.write(tx -> tx.revokeApiKey("k-contract", t.plusSeconds(2)));
    assertThat(first).isTrue();
    assertThat(second).isFalse();
    assertThat(store.read(tx -> tx.apiKey("k-contract")).orElseThrow().revokedAt())
        .contains(t.plusSeconds(1));
    assertThatThrownBy(() -> store.write(tx -> { tx.insertApiKey(key); return null; }))
        .isInstanceOf(DuplicateKeyException.class);
  }

  @Test
  void appendAudit_notExtendingHead_isRejected() {
    assertThatThrownBy(() -> store.write(tx -> {
      AuditHead head = tx.auditHead();
      tx.appendAudit(record(head.seq() + 2, head.hash(), "x"));
      return null;
    })).isInstanceOf(StoreException.class).hasMessageContaining("chain head");
  }

  @Test
  void concurrentWriters_readModifyWriteWithRetry_loseNoUpdateAndKeepChainLinear() throws Exception {
    store.write(tx -> tx.insert(Kind.FLAG, "pc", "counter", "0"));
    int threads = 16;
    int incrementsPerThread = 15;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Callable<Integer>> tasks = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        tasks.add(() -> {
          int conflicts = 0;
          for (int i = 0; i < incrementsPerThread; i++) {
            while (true) {
              StoredEntity seen = get(Kind.FLAG, "pc", "counter").orElseThrow();
              try {
                store.write(tx -> {
                  tx.update(Kind.FLAG, "pc", "counter", seen.version(),
                      String.valueOf(Integer.parseInt(seen.body()) + 1));
                  AuditHead head = tx.auditHead();
                  tx.appendAudit(record(head.seq() + 1, head.hash(), "h" + (head.seq() + 1)));
                  return null;
                });
                break;
              } catch (VersionConflictException e) {
                conflicts++;
              }
            }
          }
          return conflicts;
        });
      }
      for (Future<Integer> f : pool.invokeAll(tasks)) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    StoredEntity counter = get(Kind.FLAG, "pc", "counter").orElseThrow();
    assertThat(counter.body()).isEqualTo(String.valueOf(threads * incrementsPerThread));
    assertThat(counter.version()).isEqualTo(1L + threads * incrementsPerThread);
    List<AuditRecord> log = store.read(tx -> tx.audit(AuditQuery.all()));
    for (int i = 0; i < log.size(); i++) {
      assertThat(log.get(i).seq()).isEqualTo(i + 1L);
      if (i > 0) {
        assertThat(log.get(i).prevHash()).isEqualTo(log.get(i - 1).hash());
      }
    }
    assertThat(log.size()).isGreaterThanOrEqualTo(threads * incrementsPerThread);
  }

  @Test
  void audit_filtersByKindKeyActorAndTime() {
    store.write(tx -> {
      AuditHead h = tx.auditHead();
      AuditRecord a = new AuditRecord(h.seq() + 1, Instant.ofEpochMilli(5_000), "alice", "create",
          "SEGMENT", "pf", "s1", Optional.empty(), Optional.of("{}"), h.hash(), "ha" + h.seq(), Optional.of("mac-a"));
      tx.appendAudit(a);
      AuditRecord b = new AuditRecord(h.seq() + 2, Instant.ofEpochMilli(9_000), "bob", "update",
          "SEGMENT", "pf", "s2", Optional.of("{}"), Optional.of("{}"), a.hash(), "hb" + h.seq(), Optional.empty());
      tx.appendAudit(b);
      return null;
    });
    var bySegmentS2 = new AuditQuery(Optional.of("SEGMENT"), Optional.of("s2"), Optional.empty(),
        Optional.empty(), Optional.empty(), 0, 100);
    assertThat(audit(bySegmentS2)).extracting(AuditRecord::actor)
        .containsExactly("bob");
    var aliceBefore6s = new AuditQuery(Optional.empty(), Optional.empty(), Optional.of("alice"),
        Optional.empty(), Optional.of(Instant.ofEpochMilli(6_000)), 0, 100);
    assertThat(audit(aliceBefore6s)).extracting(AuditRecord::key, AuditRecord::mac)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("s1", Optional.of("mac-a")));
    assertThat(audit(bySegmentS2)).extracting(AuditRecord::mac).containsExactly(Optional.<String>empty());
  }

  @Test
  void audit_reason_roundTripsAndIsAbsentWhenNotGiven() {
    store.write(tx -> {
      AuditHead h = tx.auditHead();
      tx.appendAudit(new AuditRecord(h.seq() + 1, Instant.ofEpochMilli(5_000), "alice", "update", "FLAG", "pr",
          "why", Optional.of("{}"), Optional.of("{}"), h.hash(), "hr" + h.seq(), Optional.empty(),
          Optional.of("incident 7: roll back")));
      tx.appendAudit(new AuditRecord(h.seq() + 2, Instant.ofEpochMilli(6_000), "alice", "update", "FLAG", "pr",
          "why", Optional.of("{}"), Optional.of("{}"), "hr" + h.seq(), "hs" + h.seq(), Optional.empty()));
      return null;
    });
    var byKey = new AuditQuery(Optional.of("FLAG"), Optional.of("why"), Optional.empty(),
        Optional.empty(), Optional.empty(), 0, 100);
    assertThat(audit(byKey)).extracting(AuditRecord::reason)
        .containsExactly(Optional.of("incident 7: roll back"), Optional.<String>empty());
  }

  private Optional<StoredEntity> get(Kind kind, String scope, String key) {
    return store.read(tx -> tx.get(kind, scope, key));
  }

  private List<StoredEntity> list(Kind kind, String scope) {
    return store.read(tx -> tx.list(kind, scope));
  }

  private List<AuditRecord> audit(AuditQuery q) {
    return store.read(tx -> tx.audit(q));
  }

  private Optional<ApiKeyRecord> keyByHash(String hash) {
    return store.read(tx -> tx.apiKeyByHash(hash));
  }

  private static AuditRecord record(long seq, String prevHash, String hash) {
    return new AuditRecord(seq, Instant.ofEpochMilli(1_000), "test", "update", "FLAG", "pc",
        "counter", Optional.empty(), Optional.of("{}"), prevHash, hash, Optional.empty());
  }
}
