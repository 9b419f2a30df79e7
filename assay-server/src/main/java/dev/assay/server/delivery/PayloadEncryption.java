package dev.assay.server.delivery;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * GrowthBook's encrypted payloads: {@code features} replaced by {@code encryptedFeatures} =
 * base64(IV) + "." + base64(AES-128-CBC/PKCS5 of the features JSON), decrypted by the SDKs with
 * the connection's key. The IV is derived from an HMAC of the plaintext under the key, so the same
 * configuration encrypts to the same bytes (stable ETags); a different configuration gets a
 * different IV.
 */
final class PayloadEncryption {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private PayloadEncryption() {}

  /** Encrypts the {@code features} (and {@code savedGroups}) of a compiled payload. */
  static byte[] encrypt(byte[] payload, String base64Key) {
    try {
      ObjectNode doc = (ObjectNode) MAPPER.readTree(payload);
      byte[] key = Base64.getDecoder().decode(base64Key);
      ObjectNode out = MAPPER.createObjectNode();
      out.put("encryptedFeatures", seal(MAPPER.writeValueAsBytes(doc.path("features")), key));
      if (doc.has("savedGroups")) {
        out.put("encryptedSavedGroups", seal(MAPPER.writeValueAsBytes(doc.path("savedGroups")), key));
      }
      out.set("dateUpdated", doc.path("dateUpdated"));
      return MAPPER.writeValueAsBytes(out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encrypt a compiled payload", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-128-CBC is not available", e);
    }
  }

  private static String seal(byte[] plaintext, byte[] key) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    byte[] iv = Arrays.copyOf(mac.doFinal(plaintext), 16);
    Cipher cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
    cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
    Base64.Encoder b64 = Base64.getEncoder();
    return b64.encodeToString(iv) + "." + b64.encodeToString(cipher.doFinal(plaintext));
  }
}
