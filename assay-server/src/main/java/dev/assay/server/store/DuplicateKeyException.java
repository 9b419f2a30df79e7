package dev.assay.server.store;

/** An insert used a key that already exists; nothing was changed. */
public final class DuplicateKeyException extends StoreException {
  private static final long serialVersionUID = 1L;

  public DuplicateKeyException(String message) {
    super(message);
  }
}
