package dev.assay.server.events;

import dev.assay.server.domain.DomainException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Whether a new version of an event schema is a compatible evolution of the stored one: events
 * valid under the old contract stay valid under the new one. Compatible: a new optional property,
 * a required property made optional, more allowed values (or no restriction), a value rule
 * relaxed to {@code any}. Breaking: a property removed or retyped, a property made (or added as)
 * required, allowed values narrowed, the value rule tightened.
 */
public final class SchemaChange {
  private SchemaChange() {}

  /** What makes {@code next} incompatible with {@code current}, each naming its field; empty when compatible. */
  public static List<DomainException.Detail> breaking(EventSchema current, EventSchema next) {
    List<DomainException.Detail> out = new ArrayList<>();
    if (current.value() != next.value() && next.value() != EventSchema.ValueRule.ANY) {
      out.add(new DomainException.Detail("value", "changed from " + wire(current.value()) + " to " + wire(next.value())
          + ": events valid before would be refused"));
    }
    for (Map.Entry<String, EventSchema.Property> e : current.properties().entrySet()) {
      String field = "properties." + e.getKey();
      EventSchema.Property was = e.getValue();
      EventSchema.Property now = next.properties().get(e.getKey());
      if (now == null) {
        out.add(new DomainException.Detail(field, "removed"));
        continue;
      }
      if (was.type() != now.type()) {
        out.add(new DomainException.Detail(field + ".type", "changed from " + wire(was.type()) + " to " + wire(now.type())));
      }
      if (!was.required() && now.required()) {
        out.add(new DomainException.Detail(field + ".required", "an optional property made required"));
      }
      if (!now.allowed().isEmpty() && (was.allowed().isEmpty() || !now.allowed().containsAll(was.allowed()))) {
        List<String> lost = was.allowed().stream().filter(v -> !now.allowed().contains(v)).toList();
        out.add(new DomainException.Detail(field + ".allowed", was.allowed().isEmpty()
            ? "restricts a property that took any value" : "no longer allows " + lost));
      }
    }
    for (Map.Entry<String, EventSchema.Property> e : next.properties().entrySet()) {
      if (!current.properties().containsKey(e.getKey()) && e.getValue().required()) {
        out.add(new DomainException.Detail("properties." + e.getKey() + ".required",
            "a new property must be optional (events sent before lack it)"));
      }
    }
    return out;
  }

  /** What storing a draft does: how it changes the stored schema, and the version it is stored as. */
  public record Decision(DataContracts.Outcome outcome, long version) {}

  /**
   * The versioning rule of a put (ADR 0042), for the writer and for a plan that must foresee it
   * (experiments-as-code, ADR 0052): without a stored schema the draft is version 1; the same
   * contract again is unchanged; a compatible evolution is the next version; a breaking change
   * is 422 {@code breaking_change} with a detail per property unless {@code declared} is the
   * next version; a declared version that is not the next is 409 {@code version_conflict}.
   *
   * @param declared the version the writer declares the draft to be, if any
   */
  public static Decision decide(java.util.Optional<EventSchema> stored, EventSchema draft,
      java.util.Optional<Long> declared) {
    if (stored.isEmpty()) {
      declared.filter(v -> v != 1).ifPresent(v -> {
        throw DomainException.conflict("version_conflict", "event '" + draft.name() + "' has no schema yet: its"
            + " first version is 1, not " + v, List.of(new DomainException.Detail("version", "must be 1 or absent")));
      });
      return new Decision(DataContracts.Outcome.CREATED, 1);
    }
    EventSchema current = stored.get();
    long next = current.version() + 1;
    if (declared.isPresent() && declared.get() != next) {
      if (declared.get() == current.version() && current.sameContract(draft)) {
        return new Decision(DataContracts.Outcome.UNCHANGED, current.version());
      }
      throw DomainException.conflict("version_conflict", "event '" + draft.name() + "' has schema version "
          + current.version() + ": a new version must be " + next + ", was " + declared.get(),
          List.of(new DomainException.Detail("version", "must be " + next)));
    }
    if (declared.isEmpty() && current.sameContract(draft)) {
      return new Decision(DataContracts.Outcome.UNCHANGED, current.version());
    }
    List<DomainException.Detail> breaking = breaking(current, draft);
    if (!breaking.isEmpty() && declared.isEmpty()) {
      throw new DomainException(DomainException.Category.UNPROCESSABLE, "breaking_change",
          breaking.get(0).field() + ": " + breaking.get(0).message() + " (a breaking change of schema version "
              + current.version() + "; declare it as version " + next + " to store it)", breaking);
    }
    return new Decision(breaking.isEmpty() ? DataContracts.Outcome.EVOLVED : DataContracts.Outcome.NEW_VERSION, next);
  }

  static String wire(Enum<?> e) {
    return e.name().toLowerCase(java.util.Locale.ROOT);
  }
}
