package dev.assay.server.store;

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

  /** True when the database answers. */
  boolean healthy();

  /** Human-readable name of the backing database (for logs), without credentials. */
  String description();

  @Override
  void close();
}
