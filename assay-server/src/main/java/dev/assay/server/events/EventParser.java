package dev.assay.server.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Reads a batch of events (a JSON array, or NDJSON: one object per line) and validates each one
 * on its own: valid events are kept, invalid ones are reported with their index and the reason.
 * Limits keep a batch's memory bounded and name the field that exceeds them.
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

  private static final ObjectMapper JSON = new ObjectMapper();

  private EventParser() {}

  /** A rejected event: its position in the batch and why. */
  public record Rejection(int index, String reason) {}

  /** The events kept and those rejected. */
  public record Batch(List<Event> events, List<Rejection> rejected) {}

  /** Thrown when the whole body is unusable (not JSON, not an array, too many events). */
  public static final class MalformedBatch extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MalformedBatch(String message) {
      super(message);
    }
  }

  /** Parses a body keeping unit ids and attributes as sent. */
  public static Batch parse(String body, boolean ndjson) {
    return parse(body, ndjson, EventPrivacy.NONE);
  }

  /**
   * Parses a body. Limits apply to what was sent; then the privacy policy pseudonymizes unit ids
   * and drops attributes that are not allowed.
   *
   * @param ndjson true for one JSON object per line, false for a JSON array
   */
  public static Batch parse(String body, boolean ndjson, EventPrivacy privacy) {
    List<JsonNode> items = new ArrayList<>();
    if (ndjson) {
      String[] lines = body.split("\n");
      for (int i = 0; i < lines.length; i++) {
        String line = lines[i].strip();
        if (line.isEmpty()) {
          continue;
        }
        try {
          items.add(JSON.readTree(line));
        } catch (JsonProcessingException e) {
          items.add(null); // reported per line below
        }
        if (items.size() > MAX_EVENTS) {
          throw new MalformedBatch("too many events: at most " + MAX_EVENTS + " per request");
        }
      }
    } else {
      JsonNode root;
      try {
        root = JSON.readTree(body);
      } catch (JsonProcessingException e) {
        throw new MalformedBatch("body is not valid JSON: " + e.getOriginalMessage());
      }
      if (root == null || !root.isArray()) {
        throw new MalformedBatch("body must be a JSON array of events (or NDJSON with Content-Type application/x-ndjson)");
      }
      if (root.size() > MAX_EVENTS) {
        throw new MalformedBatch("too many events: " + root.size() + ", at most " + MAX_EVENTS + " per request");
      }
      root.forEach(items::add);
    }
    List<Event> events = new ArrayList<>(items.size());
    List<Rejection> rejected = new ArrayList<>();
    UnaryOperator<String> unitIds = privacy.unitIds();
    for (int i = 0; i < items.size(); i++) {
      try {
        events.add(event(items.get(i), unitIds, privacy));
      } catch (IllegalArgumentException e) {
        rejected.add(new Rejection(i, e.getMessage()));
      }
    }
    return new Batch(events, rejected);
  }

  private static Event event(JsonNode n, UnaryOperator<String> unitIds, EventPrivacy privacy) {
    if (n == null) {
      throw new IllegalArgumentException("not valid JSON");
    }
    if (!n.isObject()) {
      throw new IllegalArgumentException("an event must be a JSON object");
    }
    String id = text(n, "id", true);
    String type = text(n, "type", true);
    String unit = unitIds.apply(text(n, "unitId", true));
    long ts = timestamp(n.get("timestamp"));
    return switch (type) {
      case "exposure" -> {
        String exp = text(n, "experimentKey", true);
        JsonNode v = n.get("variationId");
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 0 || v.asInt() > 1000) {
          throw new IllegalArgumentException("variationId: must be a whole number between 0 and 1000");
        }
        String hashAttribute = n.hasNonNull("hashAttribute") ? text(n, "hashAttribute", true) : "id";
        yield new Event(id, Event.Type.EXPOSURE, ts, unit, hashAttribute, exp, v.asInt(), null, null,
            object(n, "attributes", privacy));
      }
      case "metric", "track" -> {
        String name = text(n, "name", true);
        JsonNode v = n.get("value");
        Double value = null;
        if (v != null && !v.isNull()) {
          if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
            throw new IllegalArgumentException("value: must be a finite number or absent");
          }
          value = v.asDouble();
        }
        yield new Event(id, Event.Type.METRIC, ts, unit, null, null, -1, name, value, object(n, "properties", privacy));
      }
      default -> throw new IllegalArgumentException("type: must be 'exposure' or 'metric', was '" + type + "'");
    };
  }

  private static String text(JsonNode n, String field, boolean required) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw new IllegalArgumentException(field + ": is required");
      }
      return null;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(field + ": must be a string");
    }
    String s = v.asText();
    if (s.isEmpty()) {
      throw new IllegalArgumentException(field + ": must not be empty");
    }
    if (s.length() > MAX_STRING) {
      throw new IllegalArgumentException(field + ": longer than " + MAX_STRING + " characters");
    }
    return s;
  }

  private static long timestamp(JsonNode v) {
    if (v == null || v.isNull()) {
      throw new IllegalArgumentException("timestamp: is required (ISO-8601 or epoch milliseconds)");
    }
    long ms;
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      ms = v.asLong();
    } else if (v.isTextual()) {
      try {
        ms = Instant.parse(v.asText()).toEpochMilli();
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("timestamp: not an ISO-8601 instant: '" + v.asText() + "'");
      }
    } else {
      throw new IllegalArgumentException("timestamp: must be an ISO-8601 string or epoch milliseconds");
    }
    if (ms < 946_684_800_000L || ms > 4_102_444_800_000L) {
      throw new IllegalArgumentException("timestamp: must be between 2000 and 2100");
    }
    return ms;
  }

  private static String object(JsonNode n, String field, EventPrivacy privacy) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return "{}";
    }
    if (!v.isObject()) {
      throw new IllegalArgumentException(field + ": must be a JSON object");
    }
    if (v.size() > MAX_ATTRIBUTES) {
      throw new IllegalArgumentException(field + ": more than " + MAX_ATTRIBUTES + " entries");
    }
    String s = v.toString();
    if (s.length() > MAX_JSON) {
      throw new IllegalArgumentException(field + ": larger than " + MAX_JSON + " characters");
    }
    if (privacy.allowedAttributes().isEmpty()) {
      return s;
    }
    ObjectNode kept = ((ObjectNode) v).deepCopy();
    privacy.filter(kept);
    return kept.toString();
  }
}
