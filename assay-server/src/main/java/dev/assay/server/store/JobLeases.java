package dev.assay.server.store;

import java.time.Duration;

/**
 * Leases on named jobs, kept in the store so that every server process sharing it sees them
 * (ADR 0029). At most one holder has an unexpired lease on a name; an expired lease can be taken
 * over by anyone. Each operation is one conditional statement, so concurrent callers cannot both
 * win.
 */
public interface JobLeases {

  /**
   * Takes the lease on {@code name} for {@code ttl} if nobody holds it, its lease has expired, or
   * {@code holder} already holds it (then it is extended).
   *
   * @return whether {@code holder} now holds the lease
   */
  boolean tryAcquire(String name, String holder, Duration ttl);

  /**
   * Extends the unexpired lease {@code holder} holds on {@code name} to {@code ttl} from now.
   *
   * @return false if {@code holder} does not hold it (never had it, or it expired)
   */
  boolean renew(String name, String holder, Duration ttl);

  /** Gives up the lease if {@code holder} holds it, so another replica can take it at once. */
  void release(String name, String holder);
}
