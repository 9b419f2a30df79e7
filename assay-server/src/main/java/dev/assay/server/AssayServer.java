package dev.assay.server;

import dev.assay.server.api.HttpApi;
import dev.assay.server.audit.AuditLog;
import dev.assay.server.auth.ApiKeys;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DemoData;
import dev.assay.server.store.ConfigStore;
import dev.assay.server.store.JdbcConfigStore;
import io.helidon.webserver.WebServer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The Assay server: opens the config store (embedded H2 under the data directory, or PostgreSQL),
 * migrates it, bootstraps the admin key, and serves the management API, probes and metrics on
 * Helidon SE (virtual threads). Start with {@link #builder()}; {@link #close()} stops gracefully.
 */
public final class AssayServer implements AutoCloseable {
  private final WebServer web;
  private final ConfigStore store;
  private final Optional<String> generatedAdminToken;

  private AssayServer(WebServer web, ConfigStore store, Optional<String> generatedAdminToken) {
    this.web = web;
    this.store = store;
    this.generatedAdminToken = generatedAdminToken;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The bound port (useful when started on port 0). */
  public int port() {
    return web.port();
  }

  /**
   * The admin token generated at this start because no admin key existed and no admin token was
   * configured; shown once, never stored in clear.
   */
  public Optional<String> generatedAdminToken() {
    return generatedAdminToken;
  }

  public String storeDescription() {
    return store.description();
  }

  /** Stops accepting requests, lets in-flight ones finish, and closes the store. */
  @Override
  public void close() {
    try {
      web.stop();
    } finally {
      store.close();
    }
  }

  /** Configures and starts a server. */
  public static final class Builder {
    private int port = 8080;
    private String host = "0.0.0.0";
    private Path dataDir = Path.of("data");
    private Optional<String> databaseUrl = Optional.empty();
    private Optional<String> adminToken = Optional.empty();
    private boolean demo;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** Port to listen on; 0 picks a free one. Default 8080. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0-65535, was " + port);
      }
      this.port = port;
      return this;
    }

    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** Directory of the embedded store (used when no database URL is given). Default {@code ./data}. */
    public Builder dataDir(Path dataDir) {
      this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
      return this;
    }

    /** A JDBC URL ({@code jdbc:postgresql://...}) to use instead of the embedded store. */
    public Builder databaseUrl(String url) {
      this.databaseUrl = Optional.of(Objects.requireNonNull(url, "url"));
      return this;
    }

    /** Ensures an admin API key with this token exists (at least 16 characters). */
    public Builder adminToken(String token) {
      this.adminToken = Optional.of(Objects.requireNonNull(token, "token"));
      return this;
    }

    /** Seeds the demo project at start. */
    public Builder demo(boolean demo) {
      this.demo = demo;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Opens the store and starts serving; fails fast with a clear message on bad configuration. */
    public AssayServer start() {
      ConfigStore store;
      if (databaseUrl.isPresent()) {
        store = JdbcConfigStore.open(databaseUrl.get());
      } else {
        try {
          Files.createDirectories(dataDir);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot create data directory " + dataDir, e);
        }
        store = JdbcConfigStore.embedded(dataDir);
      }
      try {
        SecureRandom random = new SecureRandom();
        AuditLog audit = new AuditLog(clock);
        ApiKeys keys = new ApiKeys(store, audit, clock, random);
        ConfigService config = new ConfigService(store, audit, clock, random);
        config.ensureDefaultProject();
        Optional<String> generated = Optional.empty();
        if (adminToken.isPresent()) {
          keys.ensureAdminToken(adminToken.get());
        } else {
          generated = keys.bootstrapIfNoAdmin();
        }
        if (demo) {
          DemoData.seed(config);
        }
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(meters);
        new JvmThreadMetrics().bindTo(meters);
        HttpApi api = new HttpApi(store, config, keys, audit, meters, store::healthy);
        WebServer web = WebServer.builder()
            .host(host)
            .port(port)
            .shutdownGracePeriod(Duration.ofSeconds(10))
            .routing(api::routing)
            .build()
            .start();
        return new AssayServer(web, store, generated);
      } catch (RuntimeException e) {
        store.close();
        throw e;
      }
    }
  }
}
