package dev.assay.server.ascode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.assay.server.domain.DomainException.Detail;
import dev.assay.server.domain.Schemas;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON Schemas (draft 2020-12) of the file documents, one per kind and one for any document.
 * They are generated from the API's request schemas ({@link Schemas}, themselves generated from
 * the records), renamed to snake_case, plus the experiment's own shape ({@link FileFormat}) and the
 * event schema's contract ({@link EventSchemaFile}, from the API's own schema), so
 * they cannot drift from what the server reads. Documents are validated against them before
 * mapping; the records' constructors check the rest (ranges, sums, references).
 */
public final class FileSchemas {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final String DRAFT = "https://json-schema.org/draft/2020-12/schema";
  private static final String PERCENT = "^\\s*[0-9]+(\\.[0-9]+)?\\s*%\\s*$";
  private static final Map<DocKind, ObjectNode> SCHEMAS = build();
  private static final Map<DocKind, JsonSchema> VALIDATORS = validators();

  private FileSchemas() {}

  /** The kinds that have a schema, in apply order, as written in files. */
  public static List<String> kinds() {
    return DocKind.wires();
  }

  /** The schema of one kind ({@code experiment}, ...), or of any document ({@code any}). */
  public static java.util.Optional<ObjectNode> schema(String kind) {
    if (kind.equals("any")) {
      return java.util.Optional.of(any());
    }
    return DocKind.of(kind).map(k -> java.util.Objects.requireNonNull(SCHEMAS.get(k)).deepCopy());
  }

  /** Every schema by its name ({@code any}, then the kinds). */
  public static Map<String, ObjectNode> all() {
    Map<String, ObjectNode> out = new LinkedHashMap<>();
    out.put("any", any());
    SCHEMAS.forEach((k, s) -> out.put(k.wire(), s.deepCopy()));
    return out;
  }

  /** Validates a document against its kind's schema; each problem names the file and JSON path. */
  static boolean validate(Document d, List<Detail> problems) {
    Set<ValidationMessage> errors = java.util.Objects.requireNonNull(VALIDATORS.get(d.kind())).validate(d.body());
    for (ValidationMessage m : errors.stream().sorted(java.util.Comparator.comparing(ValidationMessage::getMessage))
        .toList()) {
      String path = m.getInstanceLocation().toString();
      path = path.equals("$") ? "" : path.startsWith("$.") ? path.substring(2) : path.substring(1);
      if (m.getProperty() != null && ("additionalProperties".equals(m.getType()) || "required".equals(m.getType()))) {
        path = path.isEmpty() ? m.getProperty() : path + "." + m.getProperty();
      }
      String error = m.getError();
      problems.add(new Detail(d.where() + path, "additionalProperties".equals(m.getType())
          ? "unknown field '" + m.getProperty() + "' (not in the " + d.kind().wire() + " schema)" : error));
    }
    return errors.isEmpty();
  }

  private static ObjectNode any() {
    ObjectNode s = F.objectNode().put("$schema", DRAFT).put("title", "Assay configuration document (any kind)");
    s.put("type", "object");
    ObjectNode defs = s.putObject("$defs");
    ArrayNode all = s.putArray("allOf");
    for (DocKind k : DocKind.values()) {
      ObjectNode def = java.util.Objects.requireNonNull(SCHEMAS.get(k)).deepCopy();
      def.remove("$schema");
      defs.set(k.wire(), def);
      ObjectNode rule = all.addObject();
      ObjectNode when = rule.putObject("if");
      when.putObject("properties").putObject("kind").put("const", k.wire());
      when.putArray("required").add("kind");
      rule.putObject("then").put("$ref", "#/$defs/" + k.wire());
    }
    ObjectNode noKind = all.addObject();
    noKind.putObject("if").putObject("not").putArray("required").add("kind");
    noKind.putObject("then").put("$ref", "#/$defs/experiment");
    return s;
  }

  private static Map<DocKind, ObjectNode> build() {
    Map<DocKind, ObjectNode> out = new EnumMap<>(DocKind.class);
    for (DocKind k : DocKind.values()) {
      if (k == DocKind.EVENT_SCHEMA) {
        out.put(k, EventSchemaFile.schema(DRAFT));
        continue;
      }
      ObjectNode s = F.objectNode().put("$schema", DRAFT).put("title", "Assay " + k.wire() + " (file format)");
      ObjectNode body = (ObjectNode) snake(Schemas.create(k.store));
      s.setAll(body);
      ObjectNode props = F.objectNode();
      props.putObject("kind").put("const", k.wire())
          .put("description", k == DocKind.EXPERIMENT ? "optional for a document with variants" : "required");
      props.setAll(s.withObjectProperty("properties"));
      s.set("properties", props);
      if (k == DocKind.EXPERIMENT) {
        experiment(s);
      } else {
        s.withArray("required").add("kind");
      }
      out.put(k, s);
    }
    return out;
  }

  private static Map<DocKind, JsonSchema> validators() {
    JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    Map<DocKind, JsonSchema> out = new EnumMap<>(DocKind.class);
    SCHEMAS.forEach((k, s) -> out.put(k, factory.getSchema(s)));
    return out;
  }

  /* The API schema with snake_case property names, except inside the user's own values. */
  private static JsonNode snake(JsonNode schema) {
    if (!schema.isObject()) {
      return schema.deepCopy();
    }
    ObjectNode out = F.objectNode();
    for (Map.Entry<String, JsonNode> e : schema.properties()) {
      JsonNode v = e.getValue();
      switch (e.getKey()) {
        case "properties" -> {
          ObjectNode props = out.putObject("properties");
          v.properties().forEach(p -> props.set(Names.snake(p.getKey()),
              Names.OPAQUE.contains(p.getKey()) ? p.getValue().deepCopy() : snake(p.getValue())));
        }
        case "required" -> {
          ArrayNode r = out.putArray("required");
          v.forEach(n -> r.add(Names.snake(n.asText())));
        }
        case "items", "additionalProperties" -> out.set(e.getKey(), snake(v));
        default -> out.set(e.getKey(), v.deepCopy());
      }
    }
    return out;
  }

  private static void experiment(ObjectNode s) {
    ObjectNode props = s.withObjectProperty("properties");
    JsonNode guardrail = props.path("metrics").path("properties").path("guardrails").path("items").deepCopy();
    for (String f : List.of("condition", "excluded_experiments", "minimum_runtime_days",
        "target_sample_size_per_variant", "variants", "metrics")) {
      props.remove(f);
    }
    props.withObjectProperty("key").put("description", "the experiment's key; defaults to its name");
    props.withObjectProperty("name").put("description", "the experiment's name, and its key when 'key' is absent");
    ObjectNode variant = F.objectNode().put("type", "object").put("additionalProperties", false);
    ObjectNode vp = variant.putObject("properties");
    vp.putObject("key").put("type", "string").put("description", "the variant's key; defaults to its name");
    vp.putObject("name").put("type", "string");
    vp.set("allocation", allocation("share of traffic: a percentage such as '50%' or a fraction such as 0.5;"
        + " the allocations sum to 100%"));
    vp.putObject("config").put("description", "the value the variant serves (any JSON: an object of settings)");
    variant.putArray("required").add("allocation");
    keyOrName(variant);
    props.putObject("variants").put("type", "array").put("minItems", 2).set("items", variant);
    ObjectNode targeting = props.putObject("targeting").put("type", "object").put("additionalProperties", false);
    ObjectNode tp = targeting.putObject("properties");
    tp.putObject("eligible_users").put("type", "string").put("description", "the key of the segment whose units may enter");
    tp.putObject("excluded_experiments").put("type", "array").put("description",
        "keys of experiments whose units must not enter this one").putObject("items").put("type", "string");
    tp.putObject("condition").put("description", "a further targeting condition (GrowthBook condition language)");
    ObjectNode metrics = props.putObject("metrics").put("type", "object").put("additionalProperties", false);
    ObjectNode mp = metrics.putObject("properties");
    mp.putObject("primary").put("type", "string").put("description", "the goal metric's key");
    mp.putObject("secondary").put("type", "array").putObject("items").put("type", "string");
    ObjectNode g = mp.putObject("guardrails").put("type", "array").putObject("items");
    g.putArray("anyOf").add(F.objectNode().put("type", "string")).add(guardrail);
    mp.putObject("baseline_rate").put("type", "number").put("exclusiveMinimum", 0).put("exclusiveMaximum", 1)
        .put("description", "the primary metric's current rate, for assay lint's power check (not stored)");
    ObjectNode duration = props.putObject("duration").put("type", "object").put("additionalProperties", false);
    ObjectNode dp = duration.putObject("properties");
    dp.putObject("minimum_runtime_days").put("type", "integer").put("minimum", 1).put("maximum", 3650);
    dp.putObject("target_sample_size_per_variant").put("type", "integer").put("minimum", 1);
    dp.putObject("expected_daily_traffic").put("type", "number").put("exclusiveMinimum", 0)
        .put("description", "units a day entering the experiment, for assay lint's power check (not stored)");
    dp.set("minimum_detectable_effect", allocation("the smallest relative lift worth detecting, '5%' or 0.05,"
        + " for assay lint's power check (not stored)"));
    s.putArray("required").add("variants");
    keyOrName(s);
  }

  /* One schema, not anyOf, so a bad value gets one message: minimum applies to numbers, pattern to strings. */
  private static ObjectNode allocation(String description) {
    ObjectNode a = F.objectNode().put("description", description);
    a.putArray("type").add("number").add("string");
    a.put("minimum", 0).put("pattern", PERCENT);
    return a;
  }

  private static void keyOrName(ObjectNode s) {
    s.putArray("anyOf").add(F.objectNode().set("required", F.arrayNode().add("key")))
        .add(F.objectNode().set("required", F.arrayNode().add("name")));
  }
}
