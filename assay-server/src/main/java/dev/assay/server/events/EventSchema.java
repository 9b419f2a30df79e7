package dev.assay.server.events;

import dev.assay.server.domain.DomainException;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The data contract of one metric ({@code track}) event name in a project: what its value must
 * be and which properties it carries (type, whether required, the allowed values of a string).
 * Properties it does not declare are allowed (an open content model: adding a property to the
 * instrumentation never breaks a contract). Versioned: {@link SchemaChange} tells a compatible
 * evolution from a breaking one.
 *
 * @param name the event name (the metric event's {@code name})
 * @param version starts at 1; every stored change adds one
 * @param value what the event's {@code value} must be
 * @param properties the declared properties by name (sorted)
 * @param updatedBy who stored this version
 * @param updatedAt when (ISO-8601)
 */
public record EventSchema(String name, long version, ValueRule value, Map<String, Property> properties,
    String updatedBy, String updatedAt) {
  /** Most properties one schema declares (an event carries at most {@link EventParser#MAX_ATTRIBUTES}). */
  public static final int MAX_PROPERTIES = EventParser.MAX_ATTRIBUTES;
  /** Most allowed values of one property. */
  public static final int MAX_ALLOWED = 1_000;
  /** Longest event name a schema can be declared for (the store's key length). */
  public static final int MAX_NAME = 128;

  public EventSchema {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    if (name.isEmpty() || name.length() > MAX_NAME) {
      throw DomainException.invalid("name", "must be 1 to " + MAX_NAME + " characters");
    }
    if (properties.size() > MAX_PROPERTIES) {
      throw DomainException.invalid("properties", "at most " + MAX_PROPERTIES + " properties, was " + properties.size());
    }
    for (String p : properties.keySet()) {
      if (p.isEmpty() || p.length() > EventParser.MAX_STRING) {
        throw DomainException.invalid("properties", "a property name must be 1 to " + EventParser.MAX_STRING
            + " characters");
      }
    }
    properties = Collections.unmodifiableMap(new TreeMap<>(properties));
  }

  /** This schema as a new version by another writer. */
  public EventSchema withVersion(long next, String by, String at) {
    return new EventSchema(name, next, value, properties, by, at);
  }

  /** Whether the two declare the same contract (versions and writers aside). */
  public boolean sameContract(EventSchema other) {
    return value == other.value && properties.equals(other.properties);
  }

  /** What the event's numeric value must be. */
  public enum ValueRule {
    /** A number or absent. */
    ANY,
    /** A number. */
    REQUIRED,
    /** Absent (the event only counts). */
    ABSENT
  }

  /** A property's JSON type. */
  public enum Type { STRING, NUMBER, BOOLEAN, OBJECT, ARRAY }

  /**
   * One declared property.
   *
   * @param allowed for a string property, the values it may take (empty: any value)
   */
  public record Property(Type type, boolean required, List<String> allowed) {
    public Property {
      Objects.requireNonNull(type, "type");
      allowed = List.copyOf(new java.util.TreeSet<>(allowed));
      if (!allowed.isEmpty() && type != Type.STRING) {
        throw DomainException.invalid("allowed", "only string properties have allowed values");
      }
      if (allowed.size() > MAX_ALLOWED) {
        throw DomainException.invalid("allowed", "at most " + MAX_ALLOWED + " values");
      }
    }
  }
}
