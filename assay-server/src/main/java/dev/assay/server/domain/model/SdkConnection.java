package dev.assay.server.domain.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An SDK connection: a client key serving one environment's payload.
 *
 * @param encryptionKey the AES key SDKs decrypt the payload with, when the payload is encrypted
 */
public record SdkConnection(String key, String environment, String name,
    @JsonInclude(JsonInclude.Include.NON_ABSENT) Optional<String> encryptionKey) implements Keyed {
  public SdkConnection(String key, String environment, @Nullable String name,
      @Nullable Optional<String> encryptionKey) {
    this.key = Check.required("key", key);
    this.environment = Check.key("environment", environment);
    this.name = Check.text("name", name, Check.NAME_MAX);
    this.encryptionKey = Check.optional(encryptionKey);
  }
}
