package dev.assay.server.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A project's privacy rules for ingestion, compiled once per change of its settings (the
 * {@code privacy} package compiles them) and applied by {@link EventParser} to every event of a
 * batch before it is stored or produced: what happens to an event sent without consent, and how
 * named attributes (exposures) and properties (metric events) are redacted. Immutable and
 * thread-safe; {@link #applier()} gives a per-batch, one-thread helper.
 */
public final class IngestRules {
  /** Today's behaviour: events without consent are kept whole, nothing is redacted. */
  public static final IngestRules KEEP_ALL = new IngestRules(WithoutConsent.KEEP, Map.of(), Optional.empty());
  private static final String HMAC = "HmacSHA256";

  /** What is done with an event whose {@code consent} is not {@code true}. */
  public enum WithoutConsent {
    /** Stored as sent. */
    KEEP,
    /** Stored without its attributes or properties (an empty object). */
    STRIP,
    /** Not stored (counted as dropped in the answer). */
    DROP
  }

  /** What one redaction rule does to the value of its field. */
  public enum Action {
    /** Replaced by the hex HMAC-SHA256 of its text under the server's redaction key. */
    HASH,
    /** Its text cut to the first {@code length} characters (code points). */
    TRUNCATE,
    /** Removed. */
    DROP
  }

  /** One rule: the action and, for {@link Action#TRUNCATE}, the length kept. */
  public record Redaction(Action action, int length) {
    public Redaction {
      Objects.requireNonNull(action, "action");
      if (action == Action.TRUNCATE && length < 0) {
        throw new IllegalArgumentException("truncate: the length must not be negative, was " + length);
      }
    }
  }

  private final WithoutConsent withoutConsent;
  private final Map<String, Redaction> redactions;
  private final Optional<SecretKeySpec> key;

  private IngestRules(WithoutConsent withoutConsent, Map<String, Redaction> redactions, Optional<SecretKeySpec> key) {
    this.withoutConsent = withoutConsent;
    this.redactions = redactions;
    this.key = key;
  }

  /**
   * Compiled rules.
   *
   * @param redactions by attribute or property name
   * @param hashKey the HMAC key of {@link Action#HASH} rules (required when one is present)
   */
  public static IngestRules of(WithoutConsent withoutConsent, Map<String, Redaction> redactions, Optional<byte[]> hashKey) {
    Objects.requireNonNull(withoutConsent, "withoutConsent");
    Map<String, Redaction> copy = Map.copyOf(new LinkedHashMap<>(redactions));
    boolean hashes = copy.values().stream().anyMatch(r -> r.action() == Action.HASH);
    if (hashes && hashKey.isEmpty()) {
      throw new IllegalArgumentException("a hash redaction needs the server's redaction key");
    }
    return new IngestRules(withoutConsent, copy, hashes ? hashKey.map(k -> new SecretKeySpec(k, HMAC)) : Optional.empty());
  }

  public WithoutConsent withoutConsent() {
    return withoutConsent;
  }

  /** True when some field is redacted (the parser copies an object only then). */
  public boolean redacts() {
    return !redactions.isEmpty();
  }

  /** A helper for one batch on one thread (it may hold a {@link Mac}). */
  public Applier applier() {
    return new Applier();
  }

  /** Applies the redactions to objects of one batch; not thread-safe. */
  public final class Applier {
    private Mac mac;

    private Applier() {}

    /** Redacts, in place, every field of the object that has a rule. */
    public void redact(ObjectNode fields) {
      for (Map.Entry<String, Redaction> r : redactions.entrySet()) {
        JsonNode v = fields.get(r.getKey());
        if (v == null) {
          continue;
        }
        switch (r.getValue().action()) {
          case DROP -> fields.remove(r.getKey());
          case HASH -> fields.put(r.getKey(), hash(text(v)));
          case TRUNCATE -> fields.put(r.getKey(), truncate(text(v), r.getValue().length()));
        }
      }
    }

    private String hash(String text) {
      if (mac == null) {
        try {
          mac = Mac.getInstance(HMAC);
          mac.init(key.orElseThrow());
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException("HmacSHA256 is required of every JVM", e);
        }
      }
      return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }
  }

  /* A string's own text; any other value (number, boolean, object, null) as its JSON. */
  private static String text(JsonNode v) {
    return v.isTextual() ? v.textValue() : v.toString();
  }

  private static String truncate(String s, int codePoints) {
    if (s.codePointCount(0, s.length()) <= codePoints) {
      return s;
    }
    return s.substring(0, s.offsetByCodePoints(0, codePoints));
  }
}
