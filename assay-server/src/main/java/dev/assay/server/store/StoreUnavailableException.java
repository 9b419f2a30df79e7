package dev.assay.server.store;

/**
 * The database could not be reached: no connection within the pool's timeout, or the connection
 * was lost (database restart, failover, terminated backend). A temporary condition, answered with
 * 503 rather than blamed on the request.
 */
public final class StoreUnavailableException extends StoreException {
  private static final long serialVersionUID = 1L;
  private final boolean connectionLost;

  public StoreUnavailableException(String message, Throwable cause) {
    this(message, cause, false);
  }

  private StoreUnavailableException(String message, Throwable cause, boolean connectionLost) {
    super(message, cause);
    this.connectionLost = connectionLost;
  }

  /** True when a connection failed while in use, rather than none being available. */
  public boolean connectionLost() {
    return connectionLost;
  }

  /**
   * The store exception for a failed statement: unavailable when the connection itself failed
   * (SQLState class 08, connection exception, or 57P, operator intervention such as a terminated
   * backend), else a plain database error.
   */
  static StoreException of(java.sql.SQLException e) {
    String state = String.valueOf(e.getSQLState());
    if (state.startsWith("08") || state.startsWith("57P")) {
      return new StoreUnavailableException("database connection lost: " + e.getMessage(), e, true);
    }
    return new StoreException("database error: " + e.getMessage(), e);
  }
}
