package dev.assay.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;

/**
 * Turns an error answer of the API ({@code {"error": {"code", "message", "details": [{"field",
 * "message"}]}}}) into the text a user reads: the status and code, the server's message, and one
 * line per field detail that the message does not already say.
 */
final class ApiError {
  private ApiError() {}

  static String describe(int status, String body, URI server) {
    JsonNode error;
    try {
      error = JsonFiles.MAPPER.readTree(body).path("error");
    } catch (java.io.IOException | RuntimeException e) {
      error = JsonFiles.MAPPER.missingNode();
    }
    if (!error.isObject()) {
      String text = body.strip();
      return "the server answered " + status + (text.isEmpty() ? "" : ": " + text.substring(0, Math.min(200, text.length())));
    }
    String code = error.path("code").asText("error");
    String message = error.path("message").asText("");
    StringBuilder sb = new StringBuilder(status + " " + code + ": " + message);
    for (JsonNode d : error.path("details")) {
      String detail = d.path("message").asText("");
      String line = d.path("field").asText("") + ": " + detail;
      if (!message.contains(detail)) {
        sb.append("\n  ").append(line);
      }
    }
    if ("new_phase_required".equals(code)) {
      sb.append("\n  (pass --new-phase to start a new phase: assignment is re-randomised)");
    }
    if (status == 401) {
      sb.append("\n  (the API key was refused by ").append(server)
          .append("; check --token, ASSAY_TOKEN or run assay login again)");
    }
    return sb.toString();
  }
}
