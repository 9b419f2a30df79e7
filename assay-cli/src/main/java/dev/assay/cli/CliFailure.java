package dev.assay.cli;

/**
 * A remote command failed for a reason the user can act on: the server answered an error, could
 * not be reached, or a file could not be written. {@link AssayCli} prints the message, without a
 * stack trace, and exits with code 1.
 */
final class CliFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CliFailure(String message) {
    super(message);
  }

  CliFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
