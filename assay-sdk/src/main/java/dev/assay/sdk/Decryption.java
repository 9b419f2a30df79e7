package dev.assay.sdk;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Decrypts GrowthBook-style encrypted payload parts: {@code base64(iv) + "." + base64(ciphertext)},
 * AES-128-CBC with PKCS#7 padding, key given in base64. Uses the JDK's own crypto provider.
 */
final class Decryption {

  private Decryption() {}

  static String decrypt(String encrypted, String keyBase64, String jsonPath) {
    int dot = encrypted.indexOf('.');
    if (dot < 0) {
      throw new PayloadException(jsonPath, "encrypted value must be '<iv>.<ciphertext>' in base64");
    }
    try {
      Base64.Decoder b64 = Base64.getDecoder();
      byte[] key = b64.decode(keyBase64);
      byte[] iv = b64.decode(encrypted.substring(0, dot));
      byte[] body = b64.decode(encrypted.substring(dot + 1));
      if (key.length != 16) {
        throw new PayloadException(jsonPath, "decryption key must be 16 bytes (AES-128), got " + key.length);
      }
      Cipher cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
      cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
      return new String(cipher.doFinal(body), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new PayloadException(jsonPath, "invalid base64 in key or encrypted value", e);
    } catch (GeneralSecurityException e) {
      throw new PayloadException(jsonPath, "cannot decrypt: " + e.getMessage(), e);
    }
  }
}
