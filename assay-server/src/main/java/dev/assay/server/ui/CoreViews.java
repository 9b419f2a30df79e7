package dev.assay.server.ui;

import java.util.Optional;

/**
 * The models of the foundation's templates (layout around every page, sign-in, errors, "coming").
 * Public only because the precompiled templates live in their own package.
 */
public final class CoreViews {
  private CoreViews() {}

  /** {@code error.jte}: {@code link} is where to go next (reload, sign in). */
  public record ErrorView(Shell shell, int status, String heading, String message, Optional<String> link) {}

  /** {@code login.jte}. */
  public record Login(Shell shell, String csrf, String user, String next, Optional<String> error,
      Optional<String> notice) {}

  /** {@code coming.jte}. */
  public record Coming(Shell shell, String label) {}
}
