package dev.assay.server.domain;

import dev.assay.server.domain.model.SdkConnection;
import dev.assay.server.domain.model.SdkConnectionRequest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/** New SDK connections: the server picks the client key and, for an encrypted payload, the AES key. */
final class SdkConnections {
  private SdkConnections() {}

  static SdkConnection issue(SdkConnectionRequest request, SecureRandom random) {
    byte[] bytes = new byte[8];
    random.nextBytes(bytes);
    String clientKey = "sdk-" + HexFormat.of().formatHex(bytes);
    Optional<String> encryptionKey = Optional.empty();
    if (request.encrypt()) {
      // The SDKs decrypt with this key (AES-128, GrowthBook's format); admins read it like the client key.
      byte[] aes = new byte[16];
      random.nextBytes(aes);
      encryptionKey = Optional.of(Base64.getEncoder().encodeToString(aes));
    }
    return new SdkConnection(clientKey, request.environment(), request.name(), encryptionKey, Optional.empty());
  }
}
