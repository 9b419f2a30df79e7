package dev.assay.server.store;

/** An update or delete carried a version that is no longer current; nothing was changed. */
public final class VersionConflictException extends StoreException {
  private static final long serialVersionUID = 1L;
  private final long expected;
  private final long current;

  public VersionConflictException(Kind kind, String key, long expected, long current) {
    super(kind.name().toLowerCase(java.util.Locale.ROOT) + " '" + key + "' is at version " + current
        + ", the change was based on version " + expected);
    this.expected = expected;
    this.current = current;
  }

  public long expected() {
    return expected;
  }

  public long current() {
    return current;
  }
}
