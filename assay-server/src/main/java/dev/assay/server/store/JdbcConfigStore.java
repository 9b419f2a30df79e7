package dev.assay.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.flywaydb.core.Flyway;

/**
 * {@link ConfigStore} over JDBC, for the embedded H2 file database and for PostgreSQL. Both run the
 * same Flyway migrations from {@code db/migration}, written in SQL both dialects accept.
 *
 * <p>Writers are serialized by locking the single {@code audit_head} row first ({@code SELECT ...
 * FOR UPDATE}); this keeps the audit hash chain linear and makes validations performed inside a
 * write transaction (for example "layer ranges of running experiments do not overlap") race-free.
 * A config control plane sees few writes, so one writer at a time costs nothing that matters.
 */
public final class JdbcConfigStore implements ConfigStore {
  private static final int MAX_POOL_SIZE = 10;
  /** How long a writer waits for its turn (the embedded URL's LOCK_TIMEOUT is the same). */
  private static final int LOCK_TIMEOUT_SECONDS = 60;
  private final HikariDataSource dataSource;
  private final String description;
  /** Set for PostgreSQL: the LISTEN/NOTIFY channel shared by all replicas on this schema. */
  private final ChangeChannel channel; // null unless PostgreSQL
  /** Embedded H2 file: force the file to the device after each write commit (ADR 0014). */
  private final boolean syncAfterWrite;
  /**
   * Embedded H2 file: one write transaction at a time in this JVM, from the head lock to the end
   * of the fsync. Writers are serialized on the head row anyway; taking turns here, before H2,
   * means no writer ever waits on the head row while the previous one is still committing, the
   * hand-over in which H2 2.3.232 with WRITE_DELAY=0 lost the head update (ADR 0014).
   */
  private final ReentrantLock embeddedWriter = new ReentrantLock(true);
  /** This process's id as a lease holder (ADR 0029): random per opened store. */
  private final String leaseHolder = UUID.randomUUID().toString();
  private final JdbcJobLeases leases;

  private JdbcConfigStore(HikariDataSource dataSource, String description, ChangeChannel channel,
      boolean syncAfterWrite) {
    this.dataSource = dataSource;
    this.description = description;
    this.channel = channel;
    this.syncAfterWrite = syncAfterWrite;
    this.leases = new JdbcJobLeases(dataSource, System::currentTimeMillis);
  }

  /**
   * Opens (creating if needed) the embedded H2 store in {@code dataDir/assay.mv.db} and migrates it.
   */
  public static JdbcConfigStore embedded(Path dataDir) {
    Path file = dataDir.toAbsolutePath().resolve("assay");
    return open(embeddedUrl(file), null, "H2 file " + file + ".mv.db", true);
  }

  /*
   * LOCK_TIMEOUT: H2 waits only 1 s for a row lock by default; writers queue on the chain head.
   * WRITE_DELAY=0: by default H2 2.x acknowledges COMMIT with the change only in memory and a
   * background thread writes it up to 500 ms later, so a SIGKILL lost acknowledged writes. With 0,
   * TransactionStore.endTransaction calls MVStore.commit() and the chunk is written to the file
   * before COMMIT returns (H2 2.3.232 source; ADR 0014). That survives a process crash; the
   * CHECKPOINT SYNC after each write (see attempt) adds the fsync for an OS crash or power loss.
   */
  /** The JDBC URL of the embedded store whose files start with {@code file} (no extension). */
  public static String embeddedUrl(Path file) {
    return "jdbc:h2:file:" + file.toAbsolutePath() + ";LOCK_TIMEOUT=60000;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE";
  }

  /**
   * Opens a store at a JDBC URL ({@code jdbc:postgresql:...} or {@code jdbc:h2:...}), migrating
   * the default schema.
   */
  public static JdbcConfigStore open(String jdbcUrl) {
    return open(jdbcUrl, null, redact(jdbcUrl), false);
  }

  /** Opens a store in the given schema, creating the schema if it does not exist. */
  public static JdbcConfigStore open(String jdbcUrl, String schema) {
    Objects.requireNonNull(schema, "schema");
    return open(jdbcUrl, schema, redact(jdbcUrl) + " schema " + schema, false);
  }

  private static JdbcConfigStore open(String jdbcUrl, String schema, String description,
      boolean syncAfterWrite) {
    if (!jdbcUrl.startsWith("jdbc:postgresql:") && !jdbcUrl.startsWith("jdbc:h2:")) {
      throw new StoreException(
          "unsupported database URL (expected jdbc:postgresql:... or jdbc:h2:...): " + redact(jdbcUrl));
    }
    var flyway = Flyway.configure().dataSource(jdbcUrl, null, null).locations("classpath:db/migration");
    if (schema != null) {
      flyway = flyway.schemas(schema).createSchemas(true);
    }
    try {
      flyway.load().migrate();
    } catch (RuntimeException e) {
      throw new StoreException("cannot open or migrate " + description + ": " + e.getMessage(), e);
    }
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(schema == null ? jdbcUrl : withSchema(jdbcUrl, schema));
    config.setMaximumPoolSize(MAX_POOL_SIZE);
    config.setPoolName("assay-store");
    config.setAutoCommit(false);
    try {
      HikariDataSource ds = new HikariDataSource(config);
      ChangeChannel ch = jdbcUrl.startsWith("jdbc:postgresql:")
          ? new ChangeChannel(jdbcUrl, schema, ds, description) : null;
      return new JdbcConfigStore(ds, description, ch, syncAfterWrite);
    } catch (RuntimeException e) {
      throw new StoreException("cannot connect to " + description + ": " + e.getMessage(), e);
    }
  }

  /*
   * The schema goes into the URL rather than Connection.setSchema: with auto-commit off, a
   * SET search_path issued by the pool would belong to the first transaction and vanish with its
   * rollback.
   */
  private static String withSchema(String jdbcUrl, String schema) {
    if (jdbcUrl.startsWith("jdbc:postgresql:")) {
      return jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }
    return jdbcUrl + ";SCHEMA=" + schema;
  }

  private static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
  }

  @Override
  public <T> T write(Function<StoreTransaction, T> work) {
    return inTransaction(work, true);
  }

  @Override
  public <T> T read(Function<StoreTransaction, T> work) {
    return inTransaction(work, false);
  }

  private <T> T inTransaction(Function<StoreTransaction, T> work, boolean write) {
    if (!write || !syncAfterWrite) {
      return retrying(work, write);
    }
    try {
      if (!embeddedWriter.tryLock(LOCK_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        throw new StoreUnavailableException("no write turn on " + description + " within "
            + LOCK_TIMEOUT_SECONDS + " s", null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreUnavailableException("interrupted while waiting for a write turn", e);
    }
    try {
      return retrying(work, true);
    } finally {
      embeddedWriter.unlock();
    }
  }

  /*
   * After a database restart every pooled connection is dead, and each fails once before the pool
   * drops it. A transaction whose connection was lost before COMMIT changed nothing, so it is run
   * again on another connection (up to once per pooled connection, then a fresh one). A failure
   * during COMMIT is ambiguous and is not retried.
   */
  private <T> T retrying(Function<StoreTransaction, T> work, boolean write) {
    for (int attempt = 1; ; attempt++) {
      boolean[] committing = {false};
      try {
        return attempt(work, write, committing);
      } catch (StoreUnavailableException e) {
        if (!e.connectionLost() || committing[0] || attempt > MAX_POOL_SIZE) {
          throw e;
        }
      }
    }
  }

  private <T> T attempt(Function<StoreTransaction, T> work, boolean write, boolean[] committing) {
    try (Connection c = dataSource.getConnection()) {
      try {
        JdbcTransaction tx = new JdbcTransaction(c);
        if (write) {
          tx.lockHead();
        }
        T result = work.apply(tx);
        committing[0] = true;
        c.commit();
        if (write && syncAfterWrite) {
          forceToDevice(c);
        }
        return result;
      } catch (RuntimeException | Error e) {
        rollbackQuietly(c, e);
        throw e;
      } catch (SQLException e) {
        rollbackQuietly(c, e);
        throw StoreUnavailableException.of(e);
      }
    } catch (SQLException e) {
      throw new StoreUnavailableException("database unavailable: " + e.getMessage(), e);
    }
  }

  /*
   * The write is committed and in the file; CHECKPOINT SYNC fsyncs the file before the caller
   * acknowledges it. A failure here leaves the outcome ambiguous, like a failed COMMIT, and is
   * reported as such (not retried).
   */
  private static void forceToDevice(Connection c) throws SQLException {
    try (var s = c.createStatement()) {
      s.execute("CHECKPOINT SYNC");
    }
  }

  private static void rollbackQuietly(Connection c, Throwable cause) {
    try {
      c.rollback();
    } catch (SQLException suppressed) {
      cause.addSuppressed(suppressed);
    }
  }

  @Override
  public void syncToDevice() {
    if (!syncAfterWrite) {
      return;
    }
    try (Connection c = dataSource.getConnection()) {
      forceToDevice(c);
      c.commit();
    } catch (SQLException e) {
      throw new StoreUnavailableException("cannot sync " + description + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void publishChange(String project) {
    if (channel != null) {
      channel.publish(project);
    }
  }

  @Override
  public void subscribeChanges(Consumer<String> listener) {
    if (channel != null) {
      channel.subscribe(listener);
    }
  }

  @Override
  public boolean runExclusive(String jobName, Runnable work) {
    if (channel == null) {
      work.run();
      return true;
    }
    long key = jobName.hashCode() * 0x9E3779B97F4A7C15L;
    try (Connection c = dataSource.getConnection()) {
      boolean locked;
      try (var ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
        ps.setLong(1, key);
        try (var rs = ps.executeQuery()) {
          rs.next();
          locked = rs.getBoolean(1);
        }
      }
      c.commit();
      if (!locked) {
        return false;
      }
      try {
        work.run();
        return true;
      } finally {
        try (var ps = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
          ps.setLong(1, key);
          ps.execute();
        }
        c.commit();
      }
    } catch (SQLException e) {
      throw new StoreException("cannot take the job lock '" + jobName + "': " + e.getMessage(), e);
    }
  }

  @Override
  public boolean runLeased(String jobName, Duration ttl, Runnable work) {
    if (channel != null && !leases.tryAcquire(jobName, leaseHolder, ttl)) {
      return false;
    }
    return runExclusive(jobName, work);
  }

  /** The job leases in this store (ADR 0029). */
  public JobLeases leases() {
    return leases;
  }

  /** Leases on this store's clock {@code clock} (tests move time forward). */
  JobLeases leases(LongSupplier clock) {
    return new JdbcJobLeases(dataSource, clock);
  }

  @Override
  public boolean healthy() {
    try (Connection c = dataSource.getConnection()) {
      return c.isValid(2);
    } catch (SQLException | RuntimeException e) {
      return false;
    }
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public void close() {
    if (channel != null) {
      channel.close();
      try {
        leases.releaseAll(leaseHolder); // another replica takes the jobs over at once
      } catch (RuntimeException e) {
        // The leases expire on their own.
      }
    }
    dataSource.close();
  }
}
