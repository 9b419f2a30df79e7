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

  static String wire(Enum<?> e) {
    return e.name().toLowerCase(java.util.Locale.ROOT);
  }
}
