package dev.assay.server.store;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The durable config store: versioned config entities, API keys and the audit log.
 *
 * <p>All access goes through transactions. {@link #write} runs a unit of work that may change
 * things; writers are serialized (each write transaction first locks the audit chain head), so a
 * check made inside {@code write} still holds when it commits. {@link #read} runs without that lock.
 * If the work throws, nothing it did is kept. Implementations are thread-safe.
 */
public interface ConfigStore extends AutoCloseable {

  /** Runs {@code work} in a serialized read-write transaction and commits if it returns. */
  <T> T write(Function<StoreTransaction, T> work);

  /** Runs {@code work} in a read-only transaction. */
  <T> T read(Function<StoreTransaction, T> work);

  /**
   * Tells the other server processes sharing this store that a project's configuration changed
   * (after the change committed). A no-op for stores only one process can open.
   */
  default void publishChange(String project) {}

  /**
   * Calls {@code listener} with the key of each project another process changed, or with
   * {@link #ALL_PROJECTS} when notifications may have been missed (after a reconnect). The
   * subscription ends when the store closes.
   */
  default void subscribeChanges(Consumer<String> listener) {}

  /**
   * Runs {@code work} only if no other server process sharing this store is running a job of the
   * same name (PostgreSQL advisory lock; a store only one process opens always runs it).
   *
   * @return whether the work ran
   */
  default boolean runExclusive(String jobName, Runnable work) {
    work.run();
    return true;
  }

  /**
   * Runs {@code work} only if this process holds, or can take, the store lease on {@code jobName}
   * for {@code ttl} (ADR 0029), and no other process is running it: a periodic job then runs on one
   * replica per interval, not on each. A store only one process opens always runs it.
   *
   * @return whether the work ran
   */
  default boolean runLeased(String jobName, Duration ttl, Runnable work) {
    return runExclusive(jobName, work);
  }

  /**
   * Forces every change committed so far to stable storage. A commit can be visible to other
   * transactions a moment before it is on the device (H2); call this before recording a committed
   * state outside the store (the audit anchor). A no-op where visible implies durable (PostgreSQL).
   */
  default void syncToDevice() {}

  /** Passed to change listeners when every project must be assumed changed. */
  String ALL_PROJECTS = "*";

  /** True when the database answers. */
  boolean healthy();

  /** Human-readable name of the backing database (for logs), without credentials. */
  String description();

  @Override
  void close();
}
