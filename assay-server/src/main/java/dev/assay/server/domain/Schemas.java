package dev.assay.server.domain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.model.Decision;
import dev.assay.server.domain.model.Environment;
import dev.assay.server.domain.model.Experiment;
import dev.assay.server.domain.model.Flag;
import dev.assay.server.domain.model.Guardrail;
import dev.assay.server.domain.model.Holdout;
import dev.assay.server.domain.model.Layer;
import dev.assay.server.domain.model.Metric;
import dev.assay.server.domain.model.ModelJson;
import dev.assay.server.domain.model.Prerequisite;
import dev.assay.server.domain.model.Project;
import dev.assay.server.domain.model.Range;
import dev.assay.server.domain.model.SdkConnectionRequest;
import dev.assay.server.domain.model.Segment;
import dev.assay.server.domain.model.User;
import dev.assay.server.domain.model.Variant;
import dev.assay.server.store.Kind;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Map;

/**
 * JSON Schemas (as used by OpenAPI 3.1) of the documents the management API accepts, generated
 * from the model records ({@link dev.assay.server.domain.model}) Jackson binds them to, so the published schema cannot drift from
 * what the server reads. Unknown properties are rejected by the server, hence
 * {@code additionalProperties: false}.
 */
public final class Schemas {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  /* What reflection cannot see: required fields (checked in the records' constructors) and enums. */
  private static final Map<Class<?>, List<String>> REQUIRED = Map.ofEntries(
      Map.entry(Project.class, List.of("key")),
      Map.entry(Environment.class, List.of("key")),
      Map.entry(SdkConnectionRequest.class, List.of("environment")),
      Map.entry(Layer.class, List.of("key")),
      Map.entry(Segment.class, List.of("key")),
      Map.entry(Metric.class, List.of("key", "type")),
      Map.entry(Holdout.class, List.of("key", "fraction")),
      Map.entry(User.class, List.of("key", "role")),
      Map.entry(Flag.class, List.of("key", "type", "defaultValue")),
      Map.entry(Prerequisite.class, List.of("flag", "value")),
      Map.entry(Variant.class, List.of("key", "weight")),
      Map.entry(Range.class, List.of("start", "end")),
      Map.entry(Guardrail.class, List.of("metric")),
      Map.entry(Experiment.class, List.of("key", "variants")),
      Map.entry(Decision.class, List.of("outcome")));

  /* String fields with a fixed set of values that are not an enum type. */
  private static final Map<String, List<String>> ENUMS = Map.of("User.role", User.ROLES);

  private static final Map<String, String> DESCRIPTIONS = Map.of(
      "condition", "a GrowthBook/MongoDB-style targeting condition, e.g. {\"country\": {\"$in\": [\"US\"]}}",
      "defaultValue", "the flag's value when no rule applies; of the flag's type",
      "value", "a value of the flag's (or experiment's) type",
      "weight", "share of traffic in [0, 1]; the weights of all variants sum to 1",
      "coverage", "share of eligible units included, in [0, 1]");

  private Schemas() {}

  /** The body of {@code POST} for an entity kind. */
  public static ObjectNode create(Kind kind) {
    return of(ModelJson.recordClass(kind));
  }

  /** The body of {@code PUT}: the create body plus the required {@code version} that was read. */
  public static ObjectNode replace(Kind kind) {
    ObjectNode s = create(kind);
    ObjectNode properties = s.withObjectProperty("properties");
    properties.putObject("version").put("type", "integer").put("minimum", 1)
        .put("description", "the version this change is based on; a stale one gets 409");
    s.withArray("required").add("version");
    /* A document read with GET can be sent back as is: the server ignores what it sets itself. */
    for (String f : ConfigService.READ_ONLY_FIELDS.stream().sorted().toList()) {
      if (!f.equals("version") && properties.properties().stream().noneMatch(p -> p.getKey().equals(f))) {
        properties.putObject(f).put("readOnly", true).put("description", "set by the server; ignored when sent");
      }
    }
    return s;
  }

  /** The body of {@code POST /experiments/{key}/conclude}. */
  public static ObjectNode conclude() {
    ObjectNode s = F.objectNode();
    s.put("type", "object");
    s.put("additionalProperties", false);
    ObjectNode props = s.putObject("properties");
    props.set("decision", of(Decision.class));
    props.putObject("version").put("type", "integer").put("minimum", 1);
    s.putArray("required").add("decision");
    return s;
  }

  static ObjectNode of(Type type) {
    return schema(type, null);
  }

  private static ObjectNode schema(Type type, String enumKey) {
    ObjectNode s = F.objectNode();
    if (type instanceof ParameterizedType p) {
      Type raw = p.getRawType();
      if (raw == java.util.Optional.class) {
        return schema(p.getActualTypeArguments()[0], enumKey);
      }
      if (raw == List.class) {
        s.put("type", "array");
        s.set("items", schema(p.getActualTypeArguments()[0], null));
        return s;
      }
      if (raw == Map.class) {
        s.put("type", "object");
        s.set("additionalProperties", schema(p.getActualTypeArguments()[1], null));
        return s;
      }
    }
    if (type == String.class) {
      s.put("type", "string");
      if (enumKey != null && ENUMS.containsKey(enumKey)) {
        ArrayNode values = s.putArray("enum");
        ENUMS.get(enumKey).forEach(values::add);
      }
    } else if (type instanceof Class<?> c && c.isEnum()) {
      s.put("type", "string");
      ArrayNode values = s.putArray("enum");
      ModelJson.names((Enum<?>[]) c.getEnumConstants()).forEach(values::add);
    } else if (type == Double.class || type == double.class) {
      s.put("type", "number");
    } else if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      s.put("type", "integer");
    } else if (type == Boolean.class || type == boolean.class) {
      s.put("type", "boolean");
    } else if (type == JsonNode.class) {
      return s; // any JSON value
    } else if (type instanceof Class<?> c && c.isRecord()) {
      s.put("type", "object");
      s.put("additionalProperties", false);
      ObjectNode props = s.putObject("properties");
      for (RecordComponent rc : c.getRecordComponents()) {
        if (ModelJson.READ_ONLY_FIELDS.contains(rc.getName())) {
          continue; // set by the server (an experiment's status, phases, …), never sent
        }
        ObjectNode p = schema(rc.getGenericType(), c.getSimpleName() + "." + rc.getName());
        if (DESCRIPTIONS.containsKey(rc.getName())) {
          p.put("description", DESCRIPTIONS.get(rc.getName()));
        }
        props.set(rc.getName(), p);
      }
      List<String> required = REQUIRED.getOrDefault(c, List.of());
      if (!required.isEmpty()) {
        ArrayNode r = s.putArray("required");
        required.forEach(r::add);
      }
    } else {
      throw new IllegalStateException("no JSON schema for " + type);
    }
    return s;
  }
}
