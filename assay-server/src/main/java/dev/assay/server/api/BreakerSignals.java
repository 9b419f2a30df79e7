package dev.assay.server.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.assay.server.events.Event;
import dev.assay.server.safety.BreakerConfig;
import dev.assay.server.safety.CircuitBreakers;
import java.io.IOException;
import java.util.List;

/**
 * Hands the operational signals of an accepted batch to the circuit breakers: metric events named
 * {@value #ERROR} (one failed request) and {@value #LATENCY} (one request, its value the latency in
 * ms), whose properties name {@code experimentKey} or {@code flagKey} and the {@code variationId}
 * served. Other events, and signals without a key or variation, are passed over. Thread-safe.
 */
final class BreakerSignals {
  static final String ERROR = "$error";
  static final String LATENCY = "$latency_ms";
  private static final JsonFactory JSON = new JsonFactory();

  private final CircuitBreakers breakers;

  BreakerSignals(CircuitBreakers breakers) {
    this.breakers = breakers;
  }

  void accepted(List<Event> events) {
    for (Event e : events) {
      if (e.type() != Event.Type.METRIC || e.name() == null || e.name().isEmpty() || e.name().charAt(0) != '$') {
        continue;
      }
      boolean error = e.name().equals(ERROR);
      if (!error && (!e.name().equals(LATENCY) || e.value() == null)) {
        continue;
      }
      Tag tag = tag(e.json());
      if (tag == null) {
        continue;
      }
      if (error) {
        breakers.error(e.project(), tag.target, tag.key, tag.variation);
      } else {
        breakers.latency(e.project(), tag.target, tag.key, tag.variation, e.value());
      }
    }
  }

  private record Tag(BreakerConfig.Target target, String key, int variation) {}

  /* The tag among the top-level properties, read with the streaming parser (no tree per event). */
  private static Tag tag(String properties) {
    if (properties == null || properties.length() < 2) {
      return null;
    }
    BreakerConfig.Target target = null;
    String key = null;
    int variation = -1;
    try (JsonParser p = JSON.createParser(properties)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        switch (field) {
          case "experimentKey", "flagKey" -> {
            if (v == JsonToken.VALUE_STRING && key == null) {
              key = p.getText();
              target = field.equals("flagKey") ? BreakerConfig.Target.FLAG : BreakerConfig.Target.EXPERIMENT;
            }
          }
          case "variationId" -> {
            if (v == JsonToken.VALUE_NUMBER_INT) {
              variation = p.getIntValue();
            }
          }
          default -> p.skipChildren();
        }
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
    return key == null || variation < 0 ? null : new Tag(target, key, variation);
  }
}
