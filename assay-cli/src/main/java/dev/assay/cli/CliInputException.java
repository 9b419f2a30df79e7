package dev.assay.cli;

/**
 * Bad input given to a command (a file that cannot be read, JSON that does not parse, a value out
 * of range). {@link AssayCli} prints its message, without a stack trace, and exits with code 2.
 */
final class CliInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CliInputException(String message) {
    super(message);
  }

  CliInputException(String message, Throwable cause) {
    super(message, cause);
  }
}
