package dev.assay.server.domain.model;

import static dev.assay.server.domain.model.Check.NAME_MAX;

import org.jspecify.annotations.Nullable;

/** What a client sends to create an SDK connection; the server picks the client key. */
public record SdkConnectionRequest(String environment, String name, Boolean encrypt) {
  public SdkConnectionRequest(String environment, @Nullable String name, @Nullable Boolean encrypt) {
    this.environment = Check.key("environment", environment);
    this.name = Check.text("name", name, NAME_MAX);
    this.encrypt = encrypt != null && encrypt;
  }
}
