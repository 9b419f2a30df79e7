package dev.assay.server.ascode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.events.EventSchema;
import dev.assay.server.events.EventSchemaJson;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The {@code event_schema} file document (ADR 0052): the API's contract body ({@code value},
 * {@code properties}, an optional declared {@code version}; read by {@link EventSchemaJson}, the
 * API's own reader) with {@code kind} and the event's {@code name}, which is the key. Property
 * names are the user's own and are written as they are. The declared version is not exported:
 * versions are server state, and a fresh project starts at version 1.
 */
final class EventSchemaFile {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private EventSchemaFile() {}

  /** The resource a document (valid against {@link #schema}) declares; a bad field is a DomainException naming it. */
  static DeclaredSchema toRecord(ObjectNode body) {
    ObjectNode contract = body.deepCopy();
    contract.remove("kind");
    JsonNode name = contract.remove("name");
    if (name == null || !name.isTextual()) {
      throw dev.assay.server.domain.DomainException.invalid("name", "is required: the event's name");
    }
    return new DeclaredSchema(EventSchemaJson.read(name.asText(), contract), EventSchemaJson.declaredVersion(contract));
  }

  /** A schema as its file document, leaving out what reads back the same ({@code value: any}, {@code required: false}). */
  static ObjectNode toFile(DeclaredSchema d) {
    EventSchema s = d.schema();
    ObjectNode out = F.objectNode().put("kind", DocKind.EVENT_SCHEMA.wire()).put("name", s.name());
    if (s.value() != EventSchema.ValueRule.ANY) {
      out.put("value", s.value().name().toLowerCase(Locale.ROOT));
    }
    if (!s.properties().isEmpty()) {
      ObjectNode props = out.putObject("properties");
      s.properties().forEach((k, p) -> {
        ObjectNode o = props.putObject(k).put("type", p.type().name().toLowerCase(Locale.ROOT));
        if (p.required()) {
          o.put("required", true);
        }
        if (!p.allowed().isEmpty()) {
          p.allowed().forEach(o.putArray("allowed")::add);
        }
      });
    }
    return out;
  }

  /** The file schema: the API's contract schema with {@code kind} and {@code name} (both required). */
  static ObjectNode schema(String draft) {
    ObjectNode s = F.objectNode().put("$schema", draft).put("title", "Assay " + DocKind.EVENT_SCHEMA.wire()
        + " (file format)");
    ObjectNode api = EventSchemaJson.schema();
    ObjectNode props = F.objectNode();
    props.putObject("kind").put("const", DocKind.EVENT_SCHEMA.wire()).put("description", "required");
    props.putObject("name").put("type", "string").put("minLength", 1).put("maxLength", EventSchema.MAX_NAME)
        .put("description", "the metric event's name (its key): the contract applies to events with this name");
    props.setAll(api.withObjectProperty("properties"));
    props.withObjectProperty("version").put("description", "declares the version this contract is: a breaking"
        + " change is applied only as the next version (not exported: versions are server state)");
    props.withObjectProperty("value").put("description", "the event's numeric value: any (default), required or"
        + " absent");
    props.withObjectProperty("properties").put("description", "the declared properties by name (undeclared ones"
        + " are allowed): type, required (default false), allowed string values");
    s.setAll(api);
    s.set("properties", props);
    s.putArray("required").add("kind").add("name");
    return s;
  }

  /**
   * The export's file name of an event: the name where it is letters, digits, {@code _ - .}, else
   * with every other byte (and a leading dot) as {@code %XX}, so that no name leaves the folder.
   */
  static String fileName(String name) {
    StringBuilder b = new StringBuilder();
    for (byte x : name.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      boolean plain = c < 0x80 && (Character.isLetterOrDigit(c) || c == '_' || c == '-' || (c == '.' && b.length() > 0));
      b.append(plain ? String.valueOf((char) c) : String.format(Locale.ROOT, "%%%02X", c));
    }
    return b.toString();
  }
}
