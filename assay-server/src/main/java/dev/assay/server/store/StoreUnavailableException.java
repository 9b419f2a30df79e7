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
}
