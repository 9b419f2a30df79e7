package dev.assay.server.delivery;

/**
 * The SDK payload of one SDK connection, compiled once per change and served as is.
 *
 * @param clientKey the SDK connection's public key
 * @param project project key
 * @param environment environment key
 * @param json the payload as served, UTF-8 JSON bytes (encrypted for connections with encryption;
 *     never modify)
 * @param etag strong entity tag of {@code json}, quoted as HTTP wants it
 * @param plaintext the unencrypted payload (the same array as {@code json} when not encrypted), for
 *     server-side evaluation (OFREP) and the management preview; never served to SDK clients
 */
public record CompiledPayload(String clientKey, String project, String environment, byte[] json, String etag,
    byte[] plaintext) {

  /** A payload served in clear. */
  public CompiledPayload(String clientKey, String project, String environment, byte[] json, String etag) {
    this(clientKey, project, environment, json, etag, json);
  }

  public boolean encrypted() {
    return plaintext != json;
  }
}
