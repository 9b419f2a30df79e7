package dev.assay.server.alerts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.store.AlertStore.Delivery;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** How a delivery's body is written for a channel. */
public enum AlertFormat {
  /**
   * The generic JSON envelope: {@code {"id", "type", "project", "summary", "createdAt", "data"}},
   * where {@code data} is the alert's payload.
   */
  JSON,
  /** A Slack-compatible incoming-webhook message: {@code {"text": "[assay] <project>: <summary>"}}. */
  SLACK,
  /** The payload alone, as {@code --webhook-url} has always received it (the operator's channel only). */
  PAYLOAD;

  private static final ObjectMapper MAPPER = new ObjectMapper();

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The formats a channel may be created with. */
  public static Optional<AlertFormat> forChannel(String wire) {
    return Arrays.stream(values()).filter(f -> f != PAYLOAD && f.wire().equals(wire)).findFirst();
  }

  static AlertFormat stored(String wire) {
    return Arrays.stream(values()).filter(f -> f.wire().equals(wire)).findFirst().orElse(JSON);
  }

  /** The body sent for a delivery; the same on every attempt. */
  String body(Delivery d) {
    JsonNode payload;
    try {
      payload = MAPPER.readTree(d.payload());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored alert payload of " + d.id() + " is not JSON", e);
    }
    return switch (this) {
      case PAYLOAD -> payload.toString();
      case SLACK -> MAPPER.createObjectNode().put("text", "[assay] " + d.project() + ": " + d.summary()).toString();
      case JSON -> {
        ObjectNode o = MAPPER.createObjectNode().put("id", d.id()).put("type", d.type()).put("project", d.project())
            .put("summary", d.summary()).put("createdAt", d.createdAt().toString());
        o.set("data", payload);
        yield o.toString();
      }
    };
  }
}
