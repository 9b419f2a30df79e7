package dev.assay.server.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret that anchors the audit log outside the database: entries and checkpoints carry an
 * HMAC-SHA256 under this key, which is never stored in the database (ADR 0015).
 *
 * <p>It comes from {@code ASSAY_AUDIT_KEY} (at least {@value #MIN_LENGTH} characters, shared by all
 * replicas of a PostgreSQL store) or from the file {@value #FILE_NAME} in the data directory,
 * created on first start with 32 random bytes and permissions 0600. Immutable and thread-safe.
 */
public final class AuditKey {
  public static final int MIN_LENGTH = 32;
  public static final String FILE_NAME = "audit.key";
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
  private final SecretKeySpec key;

  private AuditKey(byte[] secret) {
    this.key = new SecretKeySpec(secret, "HmacSHA256");
  }

  /** A key from the given secret bytes (tests, or a secret already loaded). */
  public static AuditKey of(byte[] secret) {
    if (secret.length < MIN_LENGTH) {
      throw new IllegalArgumentException("audit key: must be at least " + MIN_LENGTH + " bytes");
    }
    return new AuditKey(secret.clone());
  }

  /**
   * The key from {@code fromEnvironment} when present, else from the key file in {@code dataDir},
   * created with owner-only permissions if it does not exist.
   *
   * @throws IllegalArgumentException when the key is too short or the key file is readable by
   *     others than its owner
   */
  public static AuditKey load(Optional<String> fromEnvironment, Path dataDir) {
    if (fromEnvironment.isPresent()) {
      String s = fromEnvironment.get();
      if (s.length() < MIN_LENGTH) {
        throw new IllegalArgumentException("ASSAY_AUDIT_KEY: must be at least " + MIN_LENGTH + " characters");
      }
      return new AuditKey(s.getBytes(StandardCharsets.UTF_8));
    }
    Path file = dataDir.resolve(FILE_NAME);
    try {
      if (!Files.exists(file)) {
        create(file);
      }
      checkOwnerOnly(file);
      return new AuditKey(HexFormat.of().parseHex(Files.readString(file, StandardCharsets.US_ASCII).strip()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the audit key " + file, e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("audit key " + file + ": " + e.getMessage(), e);
    }
  }

  private static void create(Path file) throws IOException {
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    try {
      if (posix(file)) {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      } else {
        Files.createFile(file);
      }
      Files.writeString(file, HexFormat.of().formatHex(secret) + "\n", StandardCharsets.US_ASCII);
    } catch (FileAlreadyExistsException raced) {
      // another process created it first; use that one
    }
  }

  private static void checkOwnerOnly(Path file) throws IOException {
    if (posix(file) && !OWNER_ONLY.containsAll(Files.getPosixFilePermissions(file))) {
      throw new IllegalArgumentException("is readable by others (" + PosixFilePermissions.toString(
          Files.getPosixFilePermissions(file)) + "); run chmod 600 on it");
    }
  }

  private static boolean posix(Path file) {
    return file.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  /** HMAC-SHA256 of the UTF-8 message, as 64 lowercase hex digits. */
  public String mac(String message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is required of every JVM", e);
    }
  }

  /** Whether {@code mac} is the MAC of {@code message}, compared in constant time. */
  public boolean matches(String message, String mac) {
    return java.security.MessageDigest.isEqual(mac(message).getBytes(StandardCharsets.US_ASCII),
        mac.getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public String toString() {
    return "AuditKey[secret]";
  }
}
