package dev.assay.sdk;

/**
 * A payload (or a part of it) could not be parsed or compiled. The message names where, as a JSON
 * path such as {@code $.features.checkout.rules[2].condition}, and why.
 */
public final class PayloadException extends AssayException {
  private static final long serialVersionUID = 1L;

  private final String jsonPath;

  public PayloadException(String jsonPath, String reason) {
    super("at " + jsonPath + ": " + reason);
    this.jsonPath = jsonPath;
  }

  public PayloadException(String jsonPath, String reason, Throwable cause) {
    super("at " + jsonPath + ": " + reason, cause);
    this.jsonPath = jsonPath;
  }

  /** Where in the payload the problem is, e.g. {@code $.features.checkout.rules[2]}. */
  public String jsonPath() {
    return jsonPath;
  }
}
