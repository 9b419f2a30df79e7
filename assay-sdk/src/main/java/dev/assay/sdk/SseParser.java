package dev.assay.sdk;

import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Parses a {@code text/event-stream} line by line, as the HTML Living Standard describes: fields
 * {@code event}, {@code data} (joined with newlines), {@code id} and {@code retry}; comment lines
 * (starting with {@code :}, used as heartbeats) are ignored; a blank line dispatches the event.
 * Not thread-safe: one parser per stream.
 */
final class SseParser {

  /** A dispatched event; {@code type} defaults to {@code message}. */
  record Event(String type, String data, @Nullable String id) {}

  private final Consumer<Event> sink;
  private final StringBuilder data = new StringBuilder();
  private @Nullable String type;
  private @Nullable String id;
  private boolean hasData;

  SseParser(Consumer<Event> sink) {
    this.sink = sink;
  }

  void line(String line) {
    if (line.isEmpty()) {
      dispatch();
      return;
    }
    if (line.charAt(0) == ':') {
      return;
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = "";
    if (colon >= 0) {
      int start = colon + 1;
      if (start < line.length() && line.charAt(start) == ' ') {
        start++;
      }
      value = line.substring(start);
    }
    switch (field) {
      case "event" -> type = value;
      case "data" -> {
        if (hasData) {
          data.append('\n');
        }
        data.append(value);
        hasData = true;
      }
      case "id" -> {
        if (value.indexOf('\0') < 0) {
          id = value;
        }
      }
      default -> {
        // "retry" and unknown fields: the client has its own backoff
      }
    }
  }

  private void dispatch() {
    if (hasData) {
      sink.accept(new Event(type == null || type.isEmpty() ? "message" : type, data.toString(), id));
    }
    data.setLength(0);
    hasData = false;
    type = null;
  }
}
