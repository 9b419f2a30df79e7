package dev.assay.sdk;

/** The root of every exception the SDK raises. Evaluation never throws; configuration does. */
public class AssayException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public AssayException(String message) {
    super(message);
  }

  public AssayException(String message, Throwable cause) {
    super(message, cause);
  }
}
