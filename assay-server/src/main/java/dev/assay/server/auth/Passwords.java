package dev.assay.server.auth;

import dev.assay.server.domain.DomainException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Password hashing for the web UI's sign-in: PBKDF2 with HMAC-SHA256 from the JDK (NIST SP
 * 800-132), a 16-byte random salt per password and {@value #ITERATIONS} iterations (OWASP's
 * Password Storage Cheat Sheet, 2023, recommends 600,000 for PBKDF2-HMAC-SHA256). The stored form
 * {@code pbkdf2-sha256$<iterations>$<salt>$<hash>} carries its own parameters, so the count can be
 * raised later without breaking old hashes. Comparison is constant-time. Thread-safe.
 */
public final class Passwords {
  /** Iterations of new hashes. */
  public static final int ITERATIONS = 600_000;
  /** Shortest password accepted. */
  public static final int MIN_LENGTH = 12;
  /** Longest password accepted (PBKDF2 hashes long inputs once more per block; bound the work). */
  public static final int MAX_LENGTH = 200;
  private static final String SCHEME = "pbkdf2-sha256";
  private static final int KEY_BITS = 256;
  private final SecureRandom random;
  private final int iterations;

  public Passwords(SecureRandom random) {
    this(random, ITERATIONS);
  }

  /** With another iteration count (tests; never below 10,000). */
  Passwords(SecureRandom random, int iterations) {
    if (iterations < 10_000) {
      throw new IllegalArgumentException("iterations must be at least 10000, was " + iterations);
    }
    this.random = random;
    this.iterations = iterations;
  }

  /**
   * Checks a new password's length.
   *
   * @throws DomainException invalid, naming the field {@code password}
   */
  public static void validate(String password) {
    if (password == null || password.isEmpty()) {
      throw DomainException.invalid("password", "is required");
    }
    int length = password.codePointCount(0, password.length());
    if (length < MIN_LENGTH) {
      throw DomainException.invalid("password", "must be at least " + MIN_LENGTH + " characters, was " + length);
    }
    if (length > MAX_LENGTH) {
      throw DomainException.invalid("password", "must be at most " + MAX_LENGTH + " characters");
    }
  }

  /** The stored form of a new hash of this password, with a fresh salt. */
  public String hash(String password) {
    byte[] salt = new byte[16];
    random.nextBytes(salt);
    Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
    return SCHEME + "$" + iterations + "$" + b64.encodeToString(salt) + "$"
        + b64.encodeToString(derive(password, salt, iterations));
  }

  /** Whether the password matches the stored hash; false for a malformed hash. */
  public static boolean verify(String password, String stored) {
    String[] parts = stored.split("\\$");
    if (password.isEmpty() || parts.length != 4 || !parts[0].equals(SCHEME) || password.length() > MAX_LENGTH * 2) {
      return false;
    }
    try {
      int n = Integer.parseInt(parts[1]);
      byte[] salt = Base64.getDecoder().decode(parts[2]);
      byte[] expected = Base64.getDecoder().decode(parts[3]);
      return n > 0 && MessageDigest.isEqual(expected, derive(password, salt, n));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** A random password of 20 characters (about 119 bits) for the first admin. */
  public String generate() {
    String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  private static byte[] derive(String password, byte[] salt, int iterations) {
    char[] chars = password.toCharArray();
    PBEKeySpec spec = new PBEKeySpec(chars, salt, iterations, KEY_BITS);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 is required of every JVM", e);
    } finally {
      spec.clearPassword();
      java.util.Arrays.fill(chars, '\0');
    }
  }
}
