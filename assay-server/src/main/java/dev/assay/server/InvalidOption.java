package dev.assay.server;

/** A configuration value that is not allowed; {@link #option()} is the component's name. */
public final class InvalidOption extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final String option;

  InvalidOption(String option, String reason) {
    super(option + ": " + reason);
    this.option = option;
  }

  /** The option's name as in {@link ServerConfig.Builder} ({@code "eventDedupWindow"}). */
  public String option() {
    return option;
  }

  /** The message without the option's name, for a caller that names the option its own way. */
  public String reason() {
    return getMessage().substring(option.length() + 2);
  }
}
