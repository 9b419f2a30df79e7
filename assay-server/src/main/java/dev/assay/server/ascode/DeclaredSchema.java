package dev.assay.server.ascode;

import dev.assay.server.domain.model.Keyed;
import dev.assay.server.events.EventSchema;
import java.util.Optional;

/**
 * An {@code event_schema} file's resource: the contract it declares, keyed by the event name, and
 * the version it declares itself to be ({@code version}, which a breaking change needs), or, read
 * from the server, the stored schema (ADR 0052).
 */
record DeclaredSchema(EventSchema schema, Optional<Long> declared) implements Keyed {
  @Override
  public String key() {
    return schema.name();
  }
}
