package dev.assay.server.domain.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An SDK connection: a client key serving one environment's payload.
 *
 * @param encryptionKey the AES key SDKs decrypt the payload with, when the payload is encrypted
 * @param serverKey the connection's server key, when one was issued (set by the auth package)
 */
public record SdkConnection(String key, String environment, String name,
    @JsonInclude(JsonInclude.Include.NON_ABSENT) Optional<String> encryptionKey,
    @JsonInclude(JsonInclude.Include.NON_ABSENT) Optional<ServerKey> serverKey) implements Keyed {
  public SdkConnection(String key, String environment, @Nullable String name,
      @Nullable Optional<String> encryptionKey, @Nullable Optional<ServerKey> serverKey) {
    this.key = Check.required("key", key);
    this.environment = Check.key("environment", environment);
    this.name = Check.text("name", name, Check.NAME_MAX);
    this.encryptionKey = Check.optional(encryptionKey);
    this.serverKey = Check.optional(serverKey);
  }

  /** This connection with its server key replaced or removed. */
  public SdkConnection withServerKey(Optional<ServerKey> key) {
    return new SdkConnection(this.key, environment, name, encryptionKey, key);
  }
}
