package dev.assay.server.events;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The record format of the Kafka topic: a JSON array of already validated (and pseudonymized)
 * events with short field names. Written and read with Jackson's streaming API.
 */
final class EventCodec {
  private static final JsonFactory JSON = new JsonFactory();

  private EventCodec() {}

  /** Encodes events into records of about {@code targetBytes} each (one event never splits). */
  static List<byte[]> encode(List<Event> events, int targetBytes) {
    List<byte[]> records = new ArrayList<>();
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(targetBytes, 64 * 1024));
    try {
      JsonGenerator g = JSON.createGenerator(out);
      g.writeStartArray();
      int inRecord = 0;
      for (Event e : events) {
        write(g, e);
        inRecord++;
        g.flush();
        if (out.size() >= targetBytes) {
          g.writeEndArray();
          g.close();
          records.add(out.toByteArray());
          out.reset();
          g = JSON.createGenerator(out);
          g.writeStartArray();
          inRecord = 0;
        }
      }
      g.writeEndArray();
      g.close();
      if (inRecord > 0) {
        records.add(out.toByteArray());
      }
      return records;
    } catch (IOException e) {
      throw new UncheckedIOException("encoding events cannot fail in memory", e);
    }
  }

  private static void write(JsonGenerator g, Event e) throws IOException {
    g.writeStartObject();
    g.writeStringField("i", e.id());
    g.writeStringField("t", e.type() == Event.Type.EXPOSURE ? "e" : "m");
    g.writeNumberField("ts", e.timestampMillis());
    g.writeStringField("u", e.unitId());
    if (e.type() == Event.Type.EXPOSURE) {
      g.writeStringField("h", e.hashAttribute());
      g.writeStringField("x", e.experimentKey());
      g.writeNumberField("v", e.variationId());
    } else {
      g.writeStringField("n", e.name());
      if (e.value() != null) {
        g.writeNumberField("val", e.value());
      }
    }
    g.writeStringField("j", e.json());
    g.writeStringField("p", e.project());
    if (e.environment() != null) {
      g.writeStringField("env", e.environment());
    }
    if (e.flag() != null) {
      g.writeStringField("f", e.flag());
    }
    g.writeEndObject();
  }

  /**
   * Decodes a record. Records written before events carried their project have no {@code p}:
   * their events are the default project's (as the migrated tables count them).
   *
   * @throws IllegalArgumentException when the record is not in this format
   */
  static List<Event> decode(byte[] record) {
    List<Event> events = new ArrayList<>();
    try (JsonParser p = JSON.createParser(record)) {
      if (p.nextToken() != JsonToken.START_ARRAY) {
        throw new IllegalArgumentException("not an event record: expected a JSON array");
      }
      while (p.nextToken() == JsonToken.START_OBJECT) {
        String id = null;
        String type = null;
        String unit = null;
        String hash = null;
        String exp = null;
        String name = null;
        String json = null;
        String project = dev.assay.server.domain.ConfigService.DEFAULT_PROJECT;
        String environment = null;
        String flag = null;
        long ts = 0;
        int variation = -1;
        Double value = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String f = p.currentName();
          p.nextToken();
          switch (f) {
            case "i" -> id = p.getText();
            case "t" -> type = p.getText();
            case "ts" -> ts = p.getLongValue();
            case "u" -> unit = p.getText();
            case "h" -> hash = p.getText();
            case "x" -> exp = p.getText();
            case "v" -> variation = p.getIntValue();
            case "n" -> name = p.getText();
            case "val" -> value = p.getDoubleValue();
            case "j" -> json = p.getText();
            case "p" -> project = p.getText();
            case "env" -> environment = p.getText();
            case "f" -> flag = p.getText();
            default -> p.skipChildren();
          }
        }
        if (id == null || unit == null || type == null || json == null) {
          throw new IllegalArgumentException("not an event record: an event lacks its id, type, unit or JSON");
        }
        boolean exposure = type.equals("e");
        if (exposure ? exp == null || variation < 0 : name == null) {
          throw new IllegalArgumentException("not an event record: event " + id + " is incomplete");
        }
        events.add(exposure
            ? new Event(id, Event.Type.EXPOSURE, ts, unit, hash, exp, variation, null, null, json, project, environment,
                flag)
            : new Event(id, Event.Type.METRIC, ts, unit, null, null, -1, name, value, json, project, environment, flag));
      }
      return events;
    } catch (IOException e) {
      throw new IllegalArgumentException("not an event record: " + e.getMessage(), e);
    }
  }
}
