package dev.assay.server.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.store.AuditHead;
import dev.assay.server.store.AuditQuery;
import dev.assay.server.store.AuditRecord;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.StoreTransaction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The append-only, hash-chained audit log.
 *
 * <p>Entry {@code n} stores {@code hash_n = SHA-256(hash_{n-1} || canonical(entry_n))}, where the
 * canonical form is the entry as JSON with object keys sorted recursively and no whitespace, and
 * {@code hash_0} is 64 zeros. Changing, removing or reordering any stored entry breaks the chain
 * at that entry, which {@link #verify} reports. (The construction is the classic linked timestamping
 * chain of Haber and Stornetta, "How to time-stamp a digital document", J. Cryptology 3(2), 1991.)
 *
 * <p>Thread-safe. Appends must happen inside a store write transaction, which holds the chain head.
 */
public final class AuditLog {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PAGE = 1_000;
  private static final String ZERO_HASH = "0".repeat(64);
  private final Clock clock;

  public AuditLog(Clock clock) {
    this.clock = clock;
  }

  /**
   * Appends one entry to the chain in the given write transaction.
   *
   * @param before the entity JSON before the change, absent for a creation
   * @param after the entity JSON after the change, absent for a deletion
   */
  public AuditRecord append(StoreTransaction tx, String actor, String action, String kind,
      String scope, String key, Optional<String> before, Optional<String> after) {
    AuditHead head = tx.auditHead();
    Instant at = Instant.ofEpochMilli(clock.millis());
    long seq = head.seq() + 1;
    String hash = hash(head.hash(), seq, at, actor, action, kind, scope, key, before, after);
    AuditRecord entry =
        new AuditRecord(seq, at, actor, action, kind, scope, key, before, after, head.hash(), hash);
    tx.appendAudit(entry);
    return entry;
  }

  /** Recomputes the whole chain and reports the first entry whose link or hash is wrong. */
  public Verification verify(ConfigStore store) {
    return store.read(tx -> {
      String prev = ZERO_HASH;
      long expectedSeq = 1;
      long checked = 0;
      while (true) {
        List<AuditRecord> page = tx.audit(new AuditQuery(Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty(), expectedSeq - 1, PAGE));
        for (AuditRecord e : page) {
          if (e.seq() != expectedSeq) {
            return Verification.broken(checked, expectedSeq, "entry " + expectedSeq + " is missing");
          }
          if (!e.prevHash().equals(prev)) {
            return Verification.broken(checked, e.seq(),
                "previous-hash link does not match the hash of entry " + (e.seq() - 1));
          }
          String recomputed = hash(prev, e.seq(), e.at(), e.actor(), e.action(), e.kind(),
              e.scope(), e.key(), e.before(), e.after());
          if (!recomputed.equals(e.hash())) {
            return Verification.broken(checked, e.seq(), "content does not match its hash");
          }
          prev = e.hash();
          expectedSeq++;
          checked++;
        }
        if (page.size() < PAGE) {
          break;
        }
      }
      AuditHead head = tx.auditHead();
      if (head.seq() != checked || !head.hash().equals(prev)) {
        return Verification.broken(checked, checked + 1,
            "chain ends at entry " + checked + " but the recorded head is entry " + head.seq());
      }
      return Verification.intact(checked);
    });
  }

  /** The result of {@link #verify}: intact, or the first broken entry and why. */
  public record Verification(boolean intact, long entriesChecked, Optional<Long> firstBrokenSeq,
      Optional<String> reason) {
    static Verification intact(long checked) {
      return new Verification(true, checked, Optional.empty(), Optional.empty());
    }

    static Verification broken(long checked, long seq, String reason) {
      return new Verification(false, checked, Optional.of(seq), Optional.of(reason));
    }
  }

  static String hash(String prevHash, long seq, Instant at, String actor, String action,
      String kind, String scope, String key, Optional<String> before, Optional<String> after) {
    ObjectNode entry = JsonNodeFactory.instance.objectNode();
    entry.put("seq", seq);
    entry.put("at", at.toEpochMilli());
    entry.put("actor", actor);
    entry.put("action", action);
    entry.put("kind", kind);
    entry.put("scope", scope);
    entry.put("key", key);
    entry.set("before", before.map(AuditLog::parse).orElse(JsonNodeFactory.instance.nullNode()));
    entry.set("after", after.map(AuditLog::parse).orElse(JsonNodeFactory.instance.nullNode()));
    String canonical = canonical(entry);
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(prevHash.getBytes(StandardCharsets.US_ASCII));
      sha.update(canonical.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      /* Stored text that no longer parses is itself tampering; hash it as a plain string. */
      return JsonNodeFactory.instance.textNode(json);
    }
  }

  /** JSON with object keys sorted at every level, no insignificant whitespace. */
  static String canonical(JsonNode node) {
    try {
      return JSON.writeValueAsString(sorted(node));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serializes", e);
    }
  }

  private static JsonNode sorted(JsonNode node) {
    if (node.isObject()) {
      Map<String, JsonNode> fields = new TreeMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        fields.put(f.getKey(), sorted(f.getValue()));
      }
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      fields.forEach(out::set);
      return out;
    }
    if (node.isArray()) {
      var out = JsonNodeFactory.instance.arrayNode();
      node.forEach(n -> out.add(sorted(n)));
      return out;
    }
    return node;
  }
}
