package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;

/** An HTTP reply: status, content type and body bytes. */
record Reply(int status, String contentType, byte[] body) {
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
}
