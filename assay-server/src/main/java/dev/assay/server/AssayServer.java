package dev.assay.server;

import dev.assay.server.delivery.PayloadCache;
import java.util.List;
import java.util.Optional;

/**
 * A running Assay server: the config store (embedded H2 under the data directory, or PostgreSQL),
 * migrated, the admin key bootstrapped, and the management API, SDK endpoints, probes and metrics
 * served on Helidon SE (virtual threads). Start one with {@link #start(ServerConfig)} (or
 * {@code AssayServer.builder()...start()}); {@link #close()} stops gracefully. The parts are wired
 * by {@code ServerWiring}.
 */
public final class AssayServer implements AutoCloseable {
  private final int port;
  private final String storeDescription;
  private final Optional<String> generatedAdminToken;
  private final Optional<String> generatedAdminPassword;
  private final Optional<String> demoClientKey;
  private final PayloadCache payloads;
  private final List<String> routes;
  private final Closer closer;

  AssayServer(int port, String storeDescription, Optional<String> generatedAdminToken,
      Optional<String> generatedAdminPassword, Optional<String> demoClientKey, PayloadCache payloads, List<String> routes,
      Closer closer) {
    this.generatedAdminPassword = generatedAdminPassword;
    this.port = port;
    this.storeDescription = storeDescription;
    this.generatedAdminToken = generatedAdminToken;
    this.demoClientKey = demoClientKey;
    this.payloads = payloads;
    this.routes = List.copyOf(routes);
    this.closer = closer;
  }

  /**
   * Opens the store and starts serving.
   *
   * @throws CannotListenException when the host and port cannot be bound
   * @throws IllegalArgumentException when the store or keys refuse the configuration (a revoked admin token)
   */
  public static AssayServer start(ServerConfig config) {
    return ServerWiring.start(config);
  }

  /** A configuration builder whose {@link ServerConfig.Builder#start()} starts a server. */
  public static ServerConfig.Builder builder() {
    return ServerConfig.builder();
  }

  /** With {@code demo(true)}: the client key of the demo project's production SDK connection. */
  public Optional<String> demoClientKey() {
    return demoClientKey;
  }

  /** The compiled SDK payloads, kept current as the configuration changes. */
  public PayloadCache payloads() {
    return payloads;
  }

  /** Every HTTP route registered, as {@code "METHOD /path/{param}"} ({@code ANY}: a method fallback). */
  public List<String> routes() {
    return routes;
  }

  /** The bound port (useful when started on port 0). */
  public int port() {
    return port;
  }

  /**
   * The admin token generated at this start because no admin key existed and no admin token was
   * configured; shown once, never stored in clear.
   */
  public Optional<String> generatedAdminToken() {
    return generatedAdminToken;
  }

  /** The web UI admin user's password when this start generated it (shown once, like the admin token). */
  public Optional<String> generatedAdminPassword() {
    return generatedAdminPassword;
  }

  public String storeDescription() {
    return storeDescription;
  }

  /** Stops accepting requests, lets in-flight ones finish, and closes what was started, newest first. */
  @Override
  public void close() {
    closer.close();
  }

  /** The server cannot listen on its host and port (the port is in use, the host is not local). */
  public static final class CannotListenException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    CannotListenException(String message) {
      super(message);
    }

    CannotListenException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
