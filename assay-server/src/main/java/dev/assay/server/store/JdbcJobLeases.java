package dev.assay.server.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.LongSupplier;
import javax.sql.DataSource;

/**
 * {@link JobLeases} in the {@code job_leases} table (migration V9), for H2 and PostgreSQL. Times
 * are epoch milliseconds of the calling process's clock: replicas' clocks must agree to well within
 * a lease's length (NTP does), which the lengths used (several job intervals) allow.
 */
final class JdbcJobLeases implements JobLeases {
  private static final String UNIQUE_VIOLATION = "23505";
  private final DataSource dataSource;
  private final LongSupplier clock;

  JdbcJobLeases(DataSource dataSource, LongSupplier clock) {
    this.dataSource = dataSource;
    this.clock = clock;
  }

  @Override
  public boolean tryAcquire(String name, String holder, Duration ttl) {
    long now = clock.getAsLong();
    long until = now + ttl.toMillis();
    try (Connection c = dataSource.getConnection()) {
      try {
        int updated = update(c, "UPDATE job_leases SET holder = ?, expires_at = ? "
            + "WHERE name = ? AND (holder = ? OR expires_at <= ?)", holder, until, name, holder, now);
        if (updated == 0) {
          try (PreparedStatement ps = c.prepareStatement(
              "INSERT INTO job_leases (name, holder, expires_at) VALUES (?, ?, ?)")) {
            ps.setString(1, name);
            ps.setString(2, holder);
            ps.setLong(3, until);
            ps.executeUpdate();
          }
        }
        c.commit();
        return true;
      } catch (SQLException e) {
        c.rollback();
        if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
          return false; // the row exists: another holder's unexpired lease, or one just inserted
        }
        throw e;
      }
    } catch (SQLException e) {
      throw new StoreException("cannot take the lease on job '" + name + "': " + e.getMessage(), e);
    }
  }

  @Override
  public boolean renew(String name, String holder, Duration ttl) {
    long now = clock.getAsLong();
    return change(name, "renew", "UPDATE job_leases SET holder = ?, expires_at = ? "
        + "WHERE name = ? AND holder = ? AND expires_at > ?", holder, now + ttl.toMillis(), name, holder, now) == 1;
  }

  @Override
  public void release(String name, String holder) {
    change(name, "release", "DELETE FROM job_leases WHERE name = ? AND holder = ?", name, holder);
  }

  /** Releases every lease {@code holder} holds (the process is stopping). */
  void releaseAll(String holder) {
    change("*", "release", "DELETE FROM job_leases WHERE holder = ?", holder);
  }

  private int change(String name, String what, String sql, Object... args) {
    try (Connection c = dataSource.getConnection()) {
      try {
        int n = update(c, sql, args);
        c.commit();
        return n;
      } catch (SQLException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StoreException("cannot " + what + " the lease on job '" + name + "': " + e.getMessage(), e);
    }
  }

  private static int update(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        if (args[i] instanceof Long l) {
          ps.setLong(i + 1, l);
        } else {
          ps.setString(i + 1, (String) args[i]);
        }
      }
      return ps.executeUpdate();
    }
  }
}
