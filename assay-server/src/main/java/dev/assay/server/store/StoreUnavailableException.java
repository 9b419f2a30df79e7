package dev.assay.server.store;

/**
 * The database could not be reached (no connection within the pool's timeout): a temporary
 * condition, answered with 503 rather than blamed on the request.
 */
public final class StoreUnavailableException extends StoreException {
  private static final long serialVersionUID = 1L;

  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * The store exception for a failed statement: unavailable when the connection itself failed
   * (SQLState class 08, connection exception, or 57P, operator intervention such as a terminated
   * backend), else a plain database error.
   */
  static StoreException of(java.sql.SQLException e) {
    String state = String.valueOf(e.getSQLState());
    if (state.startsWith("08") || state.startsWith("57P")) {
      return new StoreUnavailableException("database connection lost: " + e.getMessage(), e);
    }
    return new StoreException("database error: " + e.getMessage(), e);
  }
}
