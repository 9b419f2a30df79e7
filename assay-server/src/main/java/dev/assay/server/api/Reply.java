package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An HTTP reply: status, content type, body bytes and extra headers, or a body written as a
 * stream (server-sent events). Every route answers through {@link #writeTo}.
 */
record Reply(int status, String contentType, byte[] body, Map<String, String> headers, Optional<Streamer> stream) {
  /** Writes a streamed body until it ends (the client went away, the server stops). */
  @FunctionalInterface
  interface Streamer {
    void write(OutputStream out) throws IOException, InterruptedException;
  }

  Reply {
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(body, "body");
    headers = Map.copyOf(headers);
    Objects.requireNonNull(stream, "stream");
  }

  Reply(int status, String contentType, byte[] body) {
    this(status, contentType, body, Map.of(), Optional.empty());
  }

  static Reply json(int status, JsonNode node) {
    return new Reply(status, "application/json", node.toString().getBytes(StandardCharsets.UTF_8));
  }

  static Reply ok(JsonNode node) {
    return json(200, node);
  }

  static Reply created(JsonNode node) {
    return json(201, node);
  }

  static Reply noContent() {
    return new Reply(204, "application/json", new byte[0]);
  }

  /** A 304 (no body). */
  static Reply notModified() {
    return new Reply(304, "application/json", new byte[0]);
  }

  /** A 200 whose body {@code streamer} writes. */
  static Reply streamed(String contentType, Streamer streamer) {
    return new Reply(200, contentType, new byte[0], Map.of(), Optional.of(streamer));
  }

  /** The same reply with one more header (replacing one of the same name). */
  Reply withHeader(String name, String value) {
    Map<String, String> all = new LinkedHashMap<>(headers);
    all.put(name, value);
    return new Reply(status, contentType, body, all, stream);
  }

  /** Writes the reply; 204 and 304 have no body and no content type. */
  void writeTo(ServerResponse res) throws IOException, InterruptedException {
    headers.forEach((name, value) -> res.header(HeaderNames.create(name), value));
    res.status(Status.create(status));
    if (status == 204 || status == 304) {
      res.send();
      return;
    }
    res.header(HeaderNames.CONTENT_TYPE, contentType);
    if (stream.isPresent()) {
      try (OutputStream out = res.outputStream()) {
        stream.get().write(out);
      }
      return;
    }
    res.send(body);
  }
}
