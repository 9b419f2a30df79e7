package dev.assay.server.store;

import java.util.Locale;

/** The entity to update or delete does not exist. */
public final class EntityNotFoundException extends StoreException {
  private static final long serialVersionUID = 1L;

  public EntityNotFoundException(Kind kind, String scope, String key) {
    super(kind.name().toLowerCase(Locale.ROOT) + " '" + key + "' not found"
        + (scope.isEmpty() ? "" : " in project '" + scope + "'"));
  }
}
