package dev.assay.server.events;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Reads a batch of events (a JSON array, or NDJSON: one object per line) and validates each one
 * on its own: valid events are kept, invalid ones are reported with their index and the reason.
 * Limits keep a batch's memory bounded and name the field that exceeds them. The stream is read
 * into {@link EventFields}; the bounds on numbers are {@link EventNumbers}'; the field rules are here.
 */
public final class EventParser {
  /** Most events in one request. */
  public static final int MAX_EVENTS = 10_000;
  /** Longest id, unit id, name, experiment key or hash attribute. */
  public static final int MAX_STRING = 256;
  /** Most attributes or properties on one event. */
  public static final int MAX_ATTRIBUTES = 50;
  /** Longest attributes/properties JSON of one event. */
  public static final int MAX_JSON = 8_192;
  /**
   * Largest magnitude of a metric value (and of a number among an event's properties, which a
   * metric may be valued by). At 10^15 a per-unit sum of squares over 10^9 events stays below
   * 10^48, far inside a double's range (1.8 × 10^308), so the analysis sums are always finite; and
   * whole numbers up to it are exact in a double (2^53 ≈ 9 × 10^15).
   */
  public static final double MAX_ABS_VALUE = 1e15;

  private static final ObjectMapper JSON = new ObjectMapper();

  private EventParser() {}

  /** A rejected event: its position in the batch and why. */
  public record Rejection(int index, String reason) {}

  /**
   * A number outside {@code ±}{@link #MAX_ABS_VALUE} (or not finite): unlike other invalid events,
   * it makes the whole batch a 400 (nothing is stored), so a sender learns of it at once.
   *
   * @param field the field, e.g. {@code value} or {@code properties.amount}
   */
  public record OutOfRange(int index, String field, String message) {}

  /** The events kept, those rejected, and the numbers out of range (when any, nothing is stored). */
  /**
   * The events kept, those rejected, the numbers out of range (when any, nothing is stored), and
   * how many valid events were dropped or stripped because they came without consent.
   */
  public record Batch(List<Event> events, List<Rejection> rejected, List<OutOfRange> outOfRange, int dropped,
      int stripped) {
    public Batch(List<Event> events, List<Rejection> rejected, List<OutOfRange> outOfRange) {
      this(events, rejected, outOfRange, 0, 0);
    }

    public Batch(List<Event> events, List<Rejection> rejected) {
      this(events, rejected, List.of());
    }
  }

  /** Thrown when the whole body is unusable (not JSON, not an array, too many events). */
  public static final class MalformedBatch extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MalformedBatch(String message) {
      super(message);
    }
  }

  /** Parses a body keeping unit ids and attributes as sent, as events of the default project. */
  public static Batch parse(String body, boolean ndjson) {
    return parse(body, ndjson, EventPrivacy.NONE);
  }

  /** Parses a body given as text, as events of the default project. */
  public static Batch parse(String body, boolean ndjson, EventPrivacy privacy) {
    return parse(body.getBytes(StandardCharsets.UTF_8), ndjson, privacy, Event.Source.defaultProject());
  }

  /** Parses a body as events of the default project (see {@link #parse(byte[], boolean, EventPrivacy, Event.Source)}). */
  public static Batch parse(byte[] body, boolean ndjson, EventPrivacy privacy) {
    return parse(body, ndjson, privacy, Event.Source.defaultProject());
  }

  /**
   * Parses a UTF-8 body with Jackson's streaming parser (no tree per event: only attributes and
   * properties objects are read as trees). Limits apply to what was sent; then the privacy policy
   * pseudonymizes unit ids and drops attributes that are not allowed.
   *
   * @param ndjson true for one JSON object per line, false for a JSON array
   * @param source the project and environment of the key that sent the batch, stored with each event
   */
  public static Batch parse(byte[] body, boolean ndjson, EventPrivacy privacy, Event.Source source) {
    return parse(body, ndjson, privacy, source, IngestRules.KEEP_ALL);
  }

  /**
   * Parses a body as {@link #parse(byte[], boolean, EventPrivacy, Event.Source)} does, then applies
   * the project's rules to each valid event: one without {@code "consent": true} is kept, stripped
   * of its attributes or properties, or dropped; the redactions rewrite named fields.
   */
  public static Batch parse(byte[] body, boolean ndjson, EventPrivacy privacy, Event.Source source, IngestRules rules) {
    Collector out = new Collector(source, privacy, rules);
    UnaryOperator<String> unitIds = privacy.unitIds();
    int index = 0;
    if (ndjson) {
      int from = 0;
      while (from <= body.length) {
        int nl = from;
        while (nl < body.length && body[nl] != '\n') {
          nl++;
        }
        if (!blank(body, from, nl)) {
          if (index >= MAX_EVENTS) {
            throw new MalformedBatch("too many events: at most " + MAX_EVENTS + " per request");
          }
          EventFields f;
          try (JsonParser p = JSON.getFactory().createParser(body, from, nl - from)) {
            f = EventFields.read(p, p.nextToken());
            if (f != null && p.nextToken() != null) {
              f = null; // data after the event on its line
            }
          } catch (IOException e) {
            f = null; // reported below
          }
          keep(f, index++, unitIds, out);
        }
        from = nl + 1;
      }
      return out.batch();
    }
    try (JsonParser p = JSON.getFactory().createParser(body)) {
      JsonToken t = p.nextToken();
      if (t != JsonToken.START_ARRAY) {
        notAnArray(body);
      }
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        if (t == null) {
          throw new MalformedBatch("body is not valid JSON: unexpected end of input in the array");
        }
        if (index >= MAX_EVENTS) {
          p.skipChildren();
          index++;
          continue;
        }
        keep(EventFields.read(p, t), index++, unitIds, out);
      }
      if (p.nextToken() != null) {
        throw new MalformedBatch("body is not valid JSON at line " + p.currentLocation().getLineNr() + ", column "
            + p.currentLocation().getColumnNr() + ": expected the end of input after the array");
      }
    } catch (JsonProcessingException e) {
      throw new MalformedBatch("body is not valid JSON " + dev.assay.server.domain.Json.syntaxError(e));
    } catch (IOException e) {
      throw new MalformedBatch("body is not valid JSON: " + e.getMessage());
    }
    if (index > MAX_EVENTS) {
      throw new MalformedBatch("too many events: " + index + ", at most " + MAX_EVENTS + " per request");
    }
    return out.batch();
  }

  /* What a parse collects. */
  private static final class Collector {
    final Event.Source source;
    final EventPrivacy privacy;
    final List<Event> events = new ArrayList<>();
    final List<Rejection> rejected = new ArrayList<>();
    final List<OutOfRange> outOfRange = new ArrayList<>();
    final IngestRules rules;
    final IngestRules.Applier redactor;
    int dropped;
    int stripped;

    Collector(Event.Source source, EventPrivacy privacy, IngestRules rules) {
      this.source = source;
      this.privacy = privacy;
      this.rules = rules;
      this.redactor = rules.applier();
    }

    Batch batch() {
      return new Batch(events, rejected, outOfRange, dropped, stripped);
    }
  }

  /* The body does not start with an array: say whether it is JSON at all. */
  private static void notAnArray(byte[] body) {
    try {
      JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new MalformedBatch("body is not valid JSON " + dev.assay.server.domain.Json.syntaxError(e));
    } catch (IOException e) {
      throw new MalformedBatch("body is not valid JSON: " + e.getMessage());
    }
    throw new MalformedBatch("body must be a JSON array of events (or NDJSON with Content-Type application/x-ndjson)");
  }

  private static boolean blank(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      byte c = b[i];
      if (c != ' ' && c != '\t' && c != '\r' && c != 0x0b && c != 0x0c && (c < 0x1c || c > 0x1f)) {
        return false;
      }
    }
    return true;
  }

  private static void keep(EventFields f, int index, UnaryOperator<String> unitIds, Collector out) {
    try {
      Event e = event(f, unitIds, out);
      if (e != null) {
        out.events.add(e);
      }
    } catch (EventNumbers.NumberOutOfRange e) {
      out.outOfRange.add(new OutOfRange(index, e.field, e.getMessage()));
      out.rejected.add(new Rejection(index, e.getMessage()));
    } catch (IllegalArgumentException e) {
      out.rejected.add(new Rejection(index, e.getMessage()));
    }
  }

  /* The event to store, or null when it is dropped for want of consent. */
  private static Event event(EventFields n, UnaryOperator<String> unitIds, Collector out) {
    Event.Source source = out.source;
    if (n == null) {
      throw new IllegalArgumentException("not valid JSON");
    }
    if (!n.object) {
      throw new IllegalArgumentException("an event must be a JSON object");
    }
    String id = text(n.id, "id");
    String type = text(n.type, "type");
    String unit = unitIds.apply(text(n.unitId, "unitId"));
    long ts = timestamp(n.timestamp);
    if (n.consent != null && n.consent != EventFields.NULL && !(n.consent instanceof Boolean)) {
      throw new IllegalArgumentException("consent: must be true, false or absent");
    }
    IngestRules.WithoutConsent without = Boolean.TRUE.equals(n.consent) ? IngestRules.WithoutConsent.KEEP
        : out.rules.withoutConsent();
    Event e = switch (type) {
      case "exposure" -> {
        String exp = text(n.experimentKey, "experimentKey");
        if (!(n.variationId instanceof Long v) || v < 0 || v > 1000) {
          throw new IllegalArgumentException("variationId: must be a whole number between 0 and 1000");
        }
        String hashAttribute = n.hashAttribute != null && n.hashAttribute != EventFields.NULL
            ? text(n.hashAttribute, "hashAttribute")
            : "id";
        yield new Event(id, Event.Type.EXPOSURE, ts, unit, hashAttribute, exp, v.intValue(), null, null,
            attributes(n.attributes, out), source.project(), source.environment());
      }
      case "metric", "track" -> {
        String name = text(n.name, "name");
        Double value = null;
        if (n.value != null && n.value != EventFields.NULL) {
          if (!(n.value instanceof Number v)) {
            throw new IllegalArgumentException("value: must be a number or absent");
          }
          value = v.doubleValue();
          if (!EventNumbers.inRange(value)) {
            throw new EventNumbers.NumberOutOfRange("value");
          }
        }
        String properties = object(n.properties, "properties", out);
        EventNumbers.checkNumbers(n.properties);
        yield new Event(id, Event.Type.METRIC, ts, unit, null, null, -1, name, value, properties, source.project(),
            source.environment());
      }
      default -> throw new IllegalArgumentException("type: must be 'exposure' or 'metric', was '" + type + "'");
    };
    return switch (without) {
      case KEEP -> e;
      case DROP -> {
        out.dropped++;
        yield null;
      }
      case STRIP -> {
        out.stripped++;
        yield new Event(e.id(), e.type(), e.timestampMillis(), e.unitId(), e.hashAttribute(), e.experimentKey(),
            e.variationId(), e.name(), e.value(), "{}", e.project(), e.environment());
      }
    };
  }

  private static String text(Object v, String field) {
    if (v == null || v == EventFields.NULL) {
      throw new IllegalArgumentException(field + ": is required");
    }
    if (!(v instanceof String s)) {
      throw new IllegalArgumentException(field + ": must be a string");
    }
    if (s.isEmpty()) {
      throw new IllegalArgumentException(field + ": must not be empty");
    }
    if (s.length() > MAX_STRING) {
      throw new IllegalArgumentException(field + ": longer than " + MAX_STRING + " characters");
    }
    return s;
  }

  private static long timestamp(Object v) {
    if (v == null || v == EventFields.NULL) {
      throw new IllegalArgumentException("timestamp: is required (ISO-8601 or epoch milliseconds)");
    }
    long ms;
    if (v instanceof Long l) {
      ms = l;
    } else if (v instanceof String s) {
      try {
        ms = Instant.parse(s).toEpochMilli();
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("timestamp: not an ISO-8601 instant: '" + s + "'");
      }
    } else {
      throw new IllegalArgumentException("timestamp: must be an ISO-8601 string or epoch milliseconds");
    }
    if (ms < 946_684_800_000L || ms > 4_102_444_800_000L) {
      throw new IllegalArgumentException("timestamp: must be between 2000 and 2100");
    }
    return ms;
  }

  private static String attributes(Object attributes, Collector out) {
    EventNumbers.nonFinite(attributes, "attributes");
    return object(attributes, "attributes", out);
  }

  private static String object(Object o, String field, Collector out) {
    if (o == null || o == EventFields.NULL) {
      return "{}";
    }
    if (!(o instanceof ObjectNode v)) {
      throw new IllegalArgumentException(field + ": must be a JSON object");
    }
    if (v.size() > MAX_ATTRIBUTES) {
      throw new IllegalArgumentException(field + ": more than " + MAX_ATTRIBUTES + " entries");
    }
    String s = v.toString();
    if (s.length() > MAX_JSON) {
      throw new IllegalArgumentException(field + ": larger than " + MAX_JSON + " characters");
    }
    if (out.privacy.allowedAttributes().isEmpty() && !out.rules.redacts()) {
      return s;
    }
    ObjectNode kept = v.deepCopy();
    out.privacy.filter(kept);
    out.redactor.redact(kept);
    return kept.toString();
  }
}
