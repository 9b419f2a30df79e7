package dev.assay.stats;

/** The root of every error the statistics engine raises: bad input, unknown method, and so on. */
public class StatsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StatsException(String message) {
    super(message);
  }

  public StatsException(String message, Throwable cause) {
    super(message, cause);
  }
}
