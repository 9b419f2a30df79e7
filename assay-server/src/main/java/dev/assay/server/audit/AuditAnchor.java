package dev.assay.server.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.store.AuditHead;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Collections;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Checkpoints of the audit chain head, appended to a file outside the database
 * ({@value #FILE_NAME} in the data directory): one JSON line per checkpoint,
 * {@code {"seq":..,"hash":..,"at":..,"mac":..}}, the MAC taken under the {@link AuditKey}. Someone
 * who cuts the tail of the chain in the database (deleting the last rows and rewriting
 * {@code audit_head}) leaves the head behind the last checkpoint, which {@link AuditLog#verify}
 * reports. The file can be fetched by an external witness ({@code GET /api/v1/audit/anchor}).
 *
 * <p>Lines are appended and forced to the device; a line cut short by a crash (no final newline)
 * is ignored. Thread-safe.
 */
public final class AuditAnchor {
  public static final String FILE_NAME = "audit-anchor.log";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path file;
  private final AuditKey key;
  private long lastSeq; // guarded by this; -1 before the first checkpoint

  private AuditAnchor(Path file, AuditKey key, long lastSeq) {
    this.file = file;
    this.key = key;
    this.lastSeq = lastSeq;
  }

  /** Opens (creating on first append) the anchor file. */
  public static AuditAnchor open(Path file, AuditKey key) {
    AuditAnchor anchor = new AuditAnchor(file, key, -1);
    anchor.lastSeq = anchor.read().lastSeq();
    return anchor;
  }

  /**
   * Appends a checkpoint of {@code head} if it is past the last one (the first checkpoint is
   * written even for an empty chain: it marks where keyed entries begin).
   *
   * @return whether a line was appended
   */
  public synchronized boolean checkpoint(AuditHead head, Instant at) {
    if (head.seq() <= lastSeq) {
      return false;
    }
    ObjectNode line = JsonNodeFactory.instance.objectNode();
    line.put("seq", head.seq());
    line.put("hash", head.hash());
    line.put("at", at.toEpochMilli());
    line.put("mac", key.mac(macInput(head.seq(), head.hash(), at.toEpochMilli())));
    append(line.toString());
    lastSeq = head.seq();
    return true;
  }

  private void append(String line) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND)) {
      boolean cutLine = ch.size() > 0 && !endsWithNewline();
      byte[] bytes = ((cutLine ? "\n" : "") + line + "\n").getBytes(StandardCharsets.UTF_8);
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to the audit anchor " + file, e);
    }
  }

  private boolean endsWithNewline() throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer last = ByteBuffer.allocate(1);
      ch.read(last, ch.size() - 1);
      return last.get(0) == '\n';
    }
  }

  /** The file as stored, for an external witness. */
  public byte[] export() {
    try {
      return Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the audit anchor " + file, e);
    }
  }

  /** Every complete line of the file, checked against its MAC. */
  public Checkpoints read() {
    String text = new String(export(), StandardCharsets.UTF_8);
    NavigableMap<Long, String> hashes = new TreeMap<>();
    long first = -1;
    int end = text.lastIndexOf('\n');
    String[] lines = end < 0 ? new String[0] : text.substring(0, end).split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].isBlank()) {
        continue;
      }
      Optional<Long> seq = valid(lines[i]);
      if (seq.isEmpty()) {
        return Checkpoints.damaged(hashes, first, "line " + (i + 1) + " of " + FILE_NAME
            + " does not match its MAC (forged or damaged checkpoint)");
      }
      hashes.put(seq.get(), parse(lines[i]).get("hash").asText());
      first = first < 0 ? seq.get() : first;
    }
    return new Checkpoints(Collections.unmodifiableNavigableMap(hashes), first, Optional.empty());
  }

  private Optional<Long> valid(String line) {
    JsonNode n = parse(line);
    if (n == null || !n.path("seq").canConvertToLong() || !n.path("hash").isTextual()
        || !n.path("at").canConvertToLong() || !n.path("mac").isTextual()) {
      return Optional.empty();
    }
    long seq = n.get("seq").asLong();
    boolean ok = key.matches(macInput(seq, n.get("hash").asText(), n.get("at").asLong()), n.get("mac").asText());
    return ok ? Optional.of(seq) : Optional.empty();
  }

  private static JsonNode parse(String line) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      return null;
    }
  }

  private static String macInput(long seq, String hash, long atMillis) {
    return "assay-audit-checkpoint|" + seq + "|" + hash + "|" + atMillis;
  }

  /**
   * The checkpoints of the file.
   *
   * @param hashes the checkpointed hash by sequence number
   * @param firstSeq the head when the anchor was started (-1 without checkpoints): older entries
   *     may predate the key and carry no MAC
   * @param damage why the file cannot be trusted, if a line fails its MAC
   */
  public record Checkpoints(NavigableMap<Long, String> hashes, long firstSeq, Optional<String> damage) {
    static Checkpoints damaged(NavigableMap<Long, String> hashes, long first, String why) {
      return new Checkpoints(Collections.unmodifiableNavigableMap(hashes), first, Optional.of(why));
    }

    /** The newest checkpointed sequence number, -1 without checkpoints. */
    public long lastSeq() {
      return hashes.isEmpty() ? -1 : hashes.lastKey();
    }
  }
}
