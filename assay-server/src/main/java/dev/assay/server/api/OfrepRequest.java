package dev.assay.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.assay.sdk.Attributes;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An OFREP request body, read: its {@code context} as a JSON object (for the bulk ETag) and as the
 * unit's attributes. The body is optional ({@code {"context": ...}} is the only field the spec
 * defines); the targeting key becomes the attribute {@code id} unless the context sets {@code id}
 * itself, as in the OpenFeature provider.
 */
record OfrepRequest(Map<String, Object> context, Attributes attributes) {
  private static final String TARGETING_KEY = "targetingKey";
  private static final String ID = "id";
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /* Context hashing for the bulk ETag: nested maps written in key order, so order does not matter. */
  private static final ObjectMapper CANONICAL =
      new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  /** A body OFREP cannot evaluate: {@code code} is the spec's error code. */
  static final class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;
    final String code;

    BadRequest(String code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  /** Reads a request body (possibly blank). */
  @SuppressWarnings("unchecked")
  static OfrepRequest parse(byte[] body) throws BadRequest {
    if (isBlank(body)) {
      return new OfrepRequest(Map.of(), Attributes.empty());
    }
    JsonNode root;
    try {
      root = Json.parse(body);
    } catch (DomainException e) {
      throw new BadRequest(e.code().equals("malformed_json") ? "PARSE_ERROR" : "INVALID_CONTEXT", e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new BadRequest("PARSE_ERROR", "the body must be a JSON object like {\"context\": {...}}");
    }
    JsonNode context = root.get("context");
    if (context == null || context.isNull()) {
      return new OfrepRequest(Map.of(), Attributes.empty());
    }
    if (!context.isObject()) {
      throw new BadRequest("INVALID_CONTEXT", "context must be a JSON object, was " + type(context));
    }
    JsonNode targetingKey = context.get(TARGETING_KEY);
    if (targetingKey != null && !targetingKey.isNull() && !targetingKey.isTextual()) {
      throw new BadRequest("INVALID_CONTEXT", "context.targetingKey must be a string, was " + type(targetingKey));
    }
    Map<String, Object> map;
    try {
      map = MAPPER.treeToValue(context, LinkedHashMap.class);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new BadRequest("INVALID_CONTEXT", "context could not be read: " + firstLine(e));
    }
    Map<String, Object> attributes = new LinkedHashMap<>(map);
    attributes.remove(TARGETING_KEY);
    if (targetingKey != null && targetingKey.isTextual() && !targetingKey.asText().isEmpty()
        && attributes.get(ID) == null) {
      attributes.put(ID, targetingKey.asText());
    }
    return new OfrepRequest(map, attributes.isEmpty() ? Attributes.empty() : Attributes.fromMap(attributes));
  }

  /** Whether a body is empty or only whitespace (no body, as far as OFREP is concerned). */
  static boolean isBlank(byte[] body) {
    for (byte b : body) {
      if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
        return false;
      }
    }
    return true;
  }

  /* The bulk ETag changes with the payload and with the context: SHA-256 of both, first 128 bits. */
  static String bulkEtag(String payloadEtag, Map<String, Object> context) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(payloadEtag.getBytes(StandardCharsets.UTF_8));
      sha.update((byte) 0);
      sha.update(CANONICAL.writeValueAsBytes(context));
      return "\"" + HexFormat.of().formatHex(sha.digest(), 0, 16) + "\"";
    } catch (NoSuchAlgorithmException | JsonProcessingException e) {
      throw new IllegalStateException("cannot compute the OFREP bulk ETag", e);
    }
  }

  private static String type(JsonNode n) {
    return n.getNodeType().name().toLowerCase(Locale.ROOT);
  }

  private static String firstLine(Exception e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
