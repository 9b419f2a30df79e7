package dev.assay.server.ui;

import dev.assay.server.domain.DomainException;

/** What the history sections of the flag and experiment pages share: the version in a restore's path. */
final class UiHistory {
  private UiHistory() {}

  /** The {@code {n}} of {@code .../versions/{n}/restore}: a positive version number. */
  static long number(UiCall c) {
    try {
      long n = Long.parseLong(c.path("n"));
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw DomainException.invalid("n", "must be a positive version number, was '" + c.path("n") + "'");
  }
}
