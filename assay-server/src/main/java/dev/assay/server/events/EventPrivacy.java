package dev.assay.server.events;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What the server keeps of an event's identity and attributes. With a key, unit ids are replaced
 * by their keyed HMAC-SHA256 (RFC 2104) in hex before anything is stored or produced, so raw ids
 * never reach the event log; exposures and metric events of one unit keep joining because the
 * same key gives the same pseudonym. With an allow-list, only the listed attribute (exposures) and
 * property (metric events) names are kept. Immutable and thread-safe.
 */
public final class EventPrivacy {
  /** Keeps unit ids and every attribute. */
  public static final EventPrivacy NONE = new EventPrivacy(Optional.empty(), Optional.empty());
  /** Shortest accepted HMAC key, in characters. */
  public static final int MIN_KEY_LENGTH = 16;
  private static final String HMAC = "HmacSHA256";

  private final Optional<SecretKeySpec> key;
  private final Optional<Set<String>> allowedAttributes;

  private EventPrivacy(Optional<SecretKeySpec> key, Optional<Set<String>> allowedAttributes) {
    this.key = key;
    this.allowedAttributes = allowedAttributes;
  }

  /**
   * A policy.
   *
   * @param hmacKey the pseudonymization key (at least {@value #MIN_KEY_LENGTH} characters), or empty
   * @param allowedAttributes attribute and property names to keep, or empty to keep all
   * @throws IllegalArgumentException naming the setting when the key is too short or a name blank
   */
  public static EventPrivacy of(Optional<String> hmacKey, Optional<Set<String>> allowedAttributes) {
    Objects.requireNonNull(hmacKey, "hmacKey");
    Objects.requireNonNull(allowedAttributes, "allowedAttributes");
    if (hmacKey.isPresent() && hmacKey.get().length() < MIN_KEY_LENGTH) {
      throw new IllegalArgumentException("events HMAC key: must be at least " + MIN_KEY_LENGTH + " characters");
    }
    if (allowedAttributes.isPresent() && allowedAttributes.get().stream().anyMatch(String::isBlank)) {
      throw new IllegalArgumentException("event attribute allow-list: names must not be blank");
    }
    return new EventPrivacy(hmacKey.map(k -> new SecretKeySpec(k.getBytes(StandardCharsets.UTF_8), HMAC)),
        allowedAttributes.map(s -> Set.copyOf(new TreeSet<>(s))));
  }

  /** True when unit ids are replaced by pseudonyms. */
  public boolean pseudonymizes() {
    return key.isPresent();
  }

  /** The attribute allow-list, if one is set. */
  public Optional<Set<String>> allowedAttributes() {
    return allowedAttributes;
  }

  /**
   * A function from a raw unit id to what is stored (its pseudonym, or itself). The function is
   * for one thread (it holds a {@link Mac}); take one per batch.
   */
  public UnaryOperator<String> unitIds() {
    if (key.isEmpty()) {
      return UnaryOperator.identity();
    }
    Mac mac;
    try {
      mac = Mac.getInstance(HMAC);
      mac.init(key.get());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is required of every JVM", e);
    }
    HexFormat hex = HexFormat.of();
    return raw -> hex.formatHex(mac.doFinal(raw.getBytes(StandardCharsets.UTF_8)));
  }

  /** Removes, in place, every field not on the allow-list (no-op without one). */
  void filter(ObjectNode attributes) {
    allowedAttributes.ifPresent(allowed -> attributes.retain(allowed));
  }

  /**
   * How audit entries refer to a unit without storing its raw id: its pseudonym when pseudonymizing,
   * else {@code sha256:} and the SHA-256 of the id.
   */
  public String reference(String rawUnitId) {
    if (pseudonymizes()) {
      return unitIds().apply(rawUnitId);
    }
    return "sha256:" + sha256(rawUnitId);
  }

  /**
   * A short fingerprint of the key (the first 16 hex digits of SHA-256 over the key), so the audit
   * log shows when the key changed without revealing it.
   */
  public Optional<String> keyFingerprint() {
    return key.map(k -> sha256(new String(k.getEncoded(), StandardCharsets.UTF_8)).substring(0, 16));
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
