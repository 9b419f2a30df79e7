package dev.assay.server.ascode;

import dev.assay.server.domain.model.Keyed;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One planned change to one resource.
 *
 * @param file the file that defines the resource; empty for a delete
 * @param record the resource as the files define it; empty for a delete
 * @param version the stored version the plan read (0 for a create): apply writes against it
 * @param newPhaseRequired an update that changes a running or paused experiment's allocation
 * @param evolution an event schema's update: {@code compatible}, or {@code breaking} (declared as
 *     the next version); empty for anything else
 */
record Change(DocKind kind, String key, Optional<String> file, Action action, List<FieldDiff.Field> fields,
    Optional<Keyed> record, long version, boolean newPhaseRequired, Optional<String> evolution) {
  enum Action {
    CREATE, UPDATE, UNCHANGED, DELETE;

    String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  Change {
    fields = List.copyOf(fields);
  }

  Change(DocKind kind, String key, Optional<String> file, Action action, List<FieldDiff.Field> fields,
      Optional<Keyed> record, long version, boolean newPhaseRequired) {
    this(kind, key, file, action, fields, record, version, newPhaseRequired, Optional.empty());
  }

  /** How messages name the resource: {@code experiment 'checkout' (checkout.yaml)}. */
  String subject() {
    return kind.wire() + " '" + key + "'" + file.map(f -> " (" + f + ")").orElse("");
  }
}
