package dev.assay.server.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The OpenAPI 3.1 document of the management API, generated from the endpoint table. */
final class OpenApi {
  private static final Pattern PARAM = Pattern.compile("\\{([a-zA-Z]+)}");

  private OpenApi() {}

  static ObjectNode document(List<Endpoint> endpoints) {
    ObjectNode doc = JsonNodeFactory.instance.objectNode();
    doc.put("openapi", "3.1.0");
    doc.putObject("info").put("title", "Assay management API").put("version", "v1");
    doc.putArray("servers").addObject().put("url", HttpApi.PREFIX);
    doc.putObject("components").putObject("securitySchemes").putObject("bearer")
        .put("type", "http").put("scheme", "bearer");
    doc.putArray("security").addObject().putArray("bearer");
    ObjectNode paths = doc.putObject("paths");
    for (Endpoint e : endpoints) {
      ObjectNode path = paths.has(e.path()) ? (ObjectNode) paths.get(e.path()) : paths.putObject(e.path());
      ObjectNode op = path.putObject(e.method().toLowerCase(Locale.ROOT));
      op.put("summary", e.summary());
      op.put("x-required-permission", e.permission().name().toLowerCase(Locale.ROOT));
      var params = op.putArray("parameters");
      Matcher m = PARAM.matcher(e.path());
      while (m.find()) {
        params.addObject().put("name", m.group(1)).put("in", "path").put("required", true)
            .putObject("schema").put("type", "string");
      }
      if (e.body() != Endpoint.BodyMode.NONE) {
        op.putObject("requestBody").put("required", e.body() == Endpoint.BodyMode.REQUIRED)
            .putObject("content").putObject("application/json").putObject("schema").put("type", "object");
      }
      ObjectNode responses = op.putObject("responses");
      responses.putObject("2XX").put("description", "success");
      responses.putObject("4XX").put("description", "error: {\"error\": {\"code\", \"message\", \"details\"}}");
    }
    return doc;
  }

  /** True when a concrete path fits a template such as {@code /flags/{key}}. */
  static boolean matches(String template, String path) {
    String regex = PARAM.matcher(Pattern.quote(template)).replaceAll("\\\\E[^/]+\\\\Q");
    return path.matches(regex);
  }
}
