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
 * <p>The chain alone does not stop someone with write access to the database: they can rewrite
 * an entry and recompute every later hash, or cut the tail and rewrite {@code audit_head}. So the
 * chain is anchored outside the database (ADR 0015): each entry also carries
 * {@code mac = HMAC-SHA256(key, "assay-audit-entry|" seq "|" hash)} under an {@link AuditKey} the
 * database never holds, and an {@link AuditAnchor} file keeps MAC'd checkpoints of the head.
 * {@link #verify} reports an entry whose MAC does not match (forged), an entry that differs from a
 * checkpoint, and a head behind the last checkpoint (a cut tail).
 *
 * <p>Thread-safe. Appends must happen inside a store write transaction, which holds the chain head.
 */
public final class AuditLog {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PAGE = 1_000;
  private static final String ZERO_HASH = "0".repeat(64);
  private final Clock clock;
  private final AuditKey key;
  private final AuditAnchor anchor;

  public AuditLog(Clock clock, AuditKey key, AuditAnchor anchor) {
    this.clock = clock;
    this.key = key;
    this.anchor = anchor;
  }

  /**
   * A 32-byte secret for another purpose derived from the audit key (its HMAC-SHA256 of the
   * purpose's label), so that replicas sharing the audit key share it and no second secret is kept.
   * Knowing a derived key reveals nothing of the audit key.
   */
  public byte[] derivedKey(String purpose) {
    return java.util.HexFormat.of().parseHex(key.mac("assay derived key: " + purpose));
  }

  /**
   * Appends one entry to the chain in the given write transaction.
   *
   * @param before the entity JSON before the change, absent for a creation
   * @param after the entity JSON after the change, absent for a deletion
   */
  public AuditRecord append(StoreTransaction tx, String actor, String action, String kind,
      String scope, String key, Optional<String> before, Optional<String> after) {
    return append(tx, actor, action, kind, scope, key, before, after, Optional.empty());
  }

  /**
   * Appends one entry with the reason its writer gave for the change (part of the hashed entry
   * when present; an entry without one hashes as entries did before reasons existed).
   */
  public AuditRecord append(StoreTransaction tx, String actor, String action, String kind,
      String scope, String key, Optional<String> before, Optional<String> after, Optional<String> reason) {
    AuditHead head = tx.auditHead();
    Instant at = Instant.ofEpochMilli(clock.millis());
    long seq = head.seq() + 1;
    String hash = hash(head.hash(), seq, at, actor, action, kind, scope, key, before, after, reason);
    AuditRecord entry = new AuditRecord(seq, at, actor, action, kind, scope, key, before, after,
        head.hash(), hash, Optional.of(this.key.mac(macInput(seq, hash))), reason);
    tx.appendAudit(entry);
    return entry;
  }

  /**
   * Recomputes the whole chain, checks each entry's MAC and the anchor's checkpoints, and reports
   * the first entry that is wrong.
   */
  public Verification verify(ConfigStore store) {
    /* Read before the chain: every checkpoint is then of a head the chain read below includes. */
    AuditAnchor.Checkpoints anchors = anchor.read();
    long anchored = anchors.lastSeq();
    if (anchors.damage().isPresent()) {
      return Verification.broken(0, anchored, Math.max(anchored, 0), anchors.damage().get());
    }
    return store.read(tx -> {
      String prev = ZERO_HASH;
      long expectedSeq = 1;
      long checked = 0;
      boolean keyed = false;
      while (true) {
        List<AuditRecord> page = tx.audit(new AuditQuery(Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty(), expectedSeq - 1, PAGE));
        for (AuditRecord e : page) {
          Optional<String> wrong = e.seq() != expectedSeq
              ? Optional.of("entry " + expectedSeq + " is missing") : linkOrContent(e, prev);
          if (wrong.isEmpty()) {
            keyed |= e.mac().isPresent();
            wrong = macOrCheckpoint(e, keyed, anchors);
          }
          if (wrong.isPresent()) {
            return Verification.broken(checked, anchored, expectedSeq, wrong.get());
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
        return Verification.broken(checked, anchored, checked + 1,
            "chain ends at entry " + checked + " but the recorded head is entry " + head.seq());
      }
      if (anchored < 0 && checked > 0) {
        return Verification.broken(checked, anchored, 1, AuditAnchor.FILE_NAME
            + " is missing or empty: it is written when the server starts, so it was removed");
      }
      if (anchored > checked) {
        return Verification.broken(checked, anchored, checked + 1, "chain ends at entry " + checked
            + " but the anchor checkpointed entry " + anchored + ": the tail of the log was cut");
      }
      return Verification.intact(checked, anchored);
    });
  }

  /** The anchor file's checkpoints as stored (NDJSON), for an external witness to keep. */
  public byte[] exportAnchor() {
    return anchor.export();
  }

  private static Optional<String> linkOrContent(AuditRecord e, String prev) {
    if (!e.prevHash().equals(prev)) {
      return Optional.of("previous-hash link does not match the hash of entry " + (e.seq() - 1));
    }
    String recomputed = hash(prev, e.seq(), e.at(), e.actor(), e.action(), e.kind(),
        e.scope(), e.key(), e.before(), e.after(), e.reason());
    return recomputed.equals(e.hash()) ? Optional.empty() : Optional.of("content does not match its hash");
  }

  /*
   * Entries written before the key existed have no MAC; they are accepted only up to the anchor's
   * first checkpoint (the head when the key was introduced) and never after a keyed entry.
   */
  private Optional<String> macOrCheckpoint(AuditRecord e, boolean keyed, AuditAnchor.Checkpoints anchors) {
    if (e.mac().isEmpty()) {
      if (keyed || e.seq() > anchors.firstSeq()) {
        return Optional.of("entry has no MAC: written or rewritten without the audit key");
      }
    } else if (!key.matches(macInput(e.seq(), e.hash()), e.mac().get())) {
      return Optional.of("MAC does not match: the entry was forged or rewritten without the audit key");
    }
    String checkpointed = anchors.hashes().get(e.seq());
    if (checkpointed != null && !checkpointed.equals(e.hash())) {
      return Optional.of("hash differs from the anchor's checkpoint of entry " + e.seq());
    }
    return Optional.empty();
  }

  private static String macInput(long seq, String hash) {
    return "assay-audit-entry|" + seq + "|" + hash;
  }

  /**
   * The result of {@link #verify}.
   *
   * @param anchoredThrough the newest checkpointed entry (-1 without checkpoints)
   */
  public record Verification(boolean intact, long entriesChecked, long anchoredThrough,
      Optional<Long> firstBrokenSeq, Optional<String> reason) {
    static Verification intact(long checked, long anchored) {
      return new Verification(true, checked, anchored, Optional.empty(), Optional.empty());
    }

    static Verification broken(long checked, long anchored, long seq, String reason) {
      return new Verification(false, checked, anchored, Optional.of(seq), Optional.of(reason));
    }
  }

  static String hash(String prevHash, long seq, Instant at, String actor, String action,
      String kind, String scope, String key, Optional<String> before, Optional<String> after) {
    return hash(prevHash, seq, at, actor, action, kind, scope, key, before, after, Optional.empty());
  }

  static String hash(String prevHash, long seq, Instant at, String actor, String action,
      String kind, String scope, String key, Optional<String> before, Optional<String> after,
      Optional<String> reason) {
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
    /* Only when present, so that every entry written before reasons existed keeps its hash. */
    reason.ifPresent(r -> entry.put("reason", r));
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
