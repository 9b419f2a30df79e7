package dev.assay.server.alerts;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signature of a webhook delivery, in the header {@value #HEADER}: {@code t=<unix seconds>,
 * v1=<hex HMAC-SHA256 of "t.body" under the channel's secret>} (the scheme of Stripe's webhooks).
 * A receiver recomputes the MAC over the timestamp, a dot and the raw body, compares in constant
 * time, and refuses old timestamps to stop replays. Stateless and thread-safe.
 */
public final class WebhookSignature {
  public static final String HEADER = "Assay-Signature";
  /** Prefix of generated secrets, so a leaked one is recognisable. */
  static final String SECRET_PREFIX = "whsec_";

  private WebhookSignature() {}

  /** The header value for a body sent at {@code epochSeconds}. */
  public static String header(String secret, long epochSeconds, String body) {
    return "t=" + epochSeconds + ",v1=" + hmac(secret, epochSeconds + "." + body);
  }

  /** Hex HMAC-SHA256 of {@code message} under {@code secret} (UTF-8). */
  public static String hmac(String secret, String message) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  /** A new random secret: 32 bytes, base64url, prefixed. */
  static String newSecret(SecureRandom random) {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return SECRET_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
