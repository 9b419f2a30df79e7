package dev.assay.server.ascode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.DomainException.Detail;
import dev.assay.server.domain.model.Keyed;
import dev.assay.server.domain.model.ModelJson;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The mapping between file documents and the domain records, both ways. Every kind but the
 * experiment is its API document with snake_case names; the experiment has the shape of the
 * well-known "experiment as code" article: {@code name} doubles as the key, variants have an
 * {@code allocation} ({@code 50%}, or a fraction {@code 0.5}) and a {@code config} (the value),
 * {@code targeting} holds the eligible segment, a condition and the excluded experiments,
 * guardrails may be bare metric keys, and {@code duration} holds the run's planned size; an event
 * schema is its own ({@link EventSchemaFile}). Server
 * state (status, phases, decision, halt, kill, versions, times) is never in a file.
 */
final class FileFormat {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final Pattern PERCENT = Pattern.compile("\\s*([0-9]+(?:\\.[0-9]+)?)\\s*%\\s*");
  /** Experiment fields that only {@link Lint} reads (power inputs); accepted, not stored. */
  static final List<String> LINT_ONLY = List.of("duration.expected_daily_traffic",
      "duration.minimum_detectable_effect", "metrics.baseline_rate");

  private FileFormat() {}

  /**
   * The record a document describes; a problem (field named in file terms) is added to
   * {@code problems} and empty returned when it is not valid.
   */
  static Optional<Keyed> toRecord(Document d, List<Detail> problems) {
    try {
      if (d.kind() == DocKind.EVENT_SCHEMA) {
        return Optional.of(EventSchemaFile.toRecord(d.body()));
      }
      ObjectNode api = d.kind() == DocKind.EXPERIMENT ? experimentToApi(d.body()) : generic(d.body());
      return Optional.of((Keyed) ModelJson.create(ModelJson.recordClass(d.kind().store), api));
    } catch (DomainException e) {
      List<Detail> ds = e.details().isEmpty() ? List.of(new Detail("", String.valueOf(e.getMessage()))) : e.details();
      for (Detail x : ds) {
        problems.add(new Detail(d.where() + fileField(d.kind(), x.field()), x.message()));
      }
      return Optional.empty();
    }
  }

  /** The key a document names ({@code key}, or an experiment's {@code name}), if it names one. */
  static Optional<String> keyOf(Document d) {
    JsonNode k = d.body().get(d.kind() == DocKind.EVENT_SCHEMA ? "name" : "key");
    if (k == null && d.kind() == DocKind.EXPERIMENT) {
      k = d.body().get("name");
    }
    return k != null && k.isTextual() ? Optional.of(k.asText()) : Optional.empty();
  }

  private static ObjectNode generic(ObjectNode body) {
    ObjectNode copy = body.deepCopy();
    copy.remove("kind");
    return (ObjectNode) Names.toApi(copy);
  }

  /** A record as its file document: {@code kind} first, then the record's fields in its order. */
  static ObjectNode toFile(DocKind kind, Keyed record) {
    if (record instanceof DeclaredSchema d) {
      return EventSchemaFile.toFile(d);
    }
    ObjectNode api = ModelJson.toTree(record);
    api.remove(ModelJson.READ_ONLY_FIELDS);
    /* Only the record's components: derived getters (Segment#isIdList) are not fields of a file. */
    java.util.Set<String> components = java.util.Arrays.stream(record.getClass().getRecordComponents())
        .map(java.lang.reflect.RecordComponent::getName).collect(java.util.stream.Collectors.toSet());
    api.retain(components);
    if (kind == DocKind.EXPERIMENT) {
      return experimentToFile(api);
    }
    ObjectNode out = F.objectNode().put("kind", kind.wire());
    out.setAll((ObjectNode) Names.toFile(api));
    return out;
  }

  /**
   * The file document of a record without the fields that read back the same when absent (the
   * records' defaults: {@code coverage: 1.0}, {@code direction: increase}, ...). Each field is
   * dropped only after checking that the document without it maps to a record with the very same
   * file document, so the result always re-applies with no change; {@code kind} is kept.
   */
  static ObjectNode minimal(DocKind kind, Keyed record) {
    ObjectNode full = toFile(kind, record);
    ObjectNode out = full.deepCopy();
    List<String> names = new java.util.ArrayList<>();
    full.fieldNames().forEachRemaining(names::add);
    for (String name : names) {
      if (name.equals("kind")) {
        continue;
      }
      ObjectNode without = out.deepCopy();
      without.remove(name);
      List<Detail> ignored = new java.util.ArrayList<>();
      Optional<Keyed> back = toRecord(new Document("export", 1, false, kind, without), ignored);
      if (back.isPresent() && FieldDiff.same(toFile(kind, back.get()), full)) {
        out = without;
      }
    }
    return out;
  }

  // ---- experiments ----

  private static ObjectNode experimentToApi(ObjectNode body) {
    ObjectNode f = body.deepCopy();
    f.remove("kind");
    ObjectNode api = F.objectNode();
    JsonNode name = f.remove("name");
    JsonNode key = f.remove("key");
    api.set("key", key != null ? key : name);
    if (name != null) {
      api.set("name", name);
    }
    JsonNode variants = f.remove("variants");
    JsonNode targeting = f.remove("targeting");
    JsonNode metrics = f.remove("metrics");
    JsonNode duration = f.remove("duration");
    api.setAll((ObjectNode) Names.toApi(f));
    if (variants != null && variants.isArray()) {
      ArrayNode vs = api.putArray("variants");
      for (int i = 0; i < variants.size(); i++) {
        vs.add(variantToApi(variants.get(i), i));
      }
    }
    if (targeting instanceof ObjectNode t) {
      targetingToApi(t, api);
    }
    if (metrics instanceof ObjectNode m) {
      ObjectNode refs = api.putObject("metrics");
      copy(m, "primary", refs, "primary");
      copy(m, "secondary", refs, "secondary");
      JsonNode guardrails = m.get("guardrails");
      if (guardrails != null && guardrails.isArray()) {
        ArrayNode gs = refs.putArray("guardrails");
        guardrails.forEach(g -> gs.add(g.isTextual() ? F.objectNode().put("metric", g.asText()) : Names.toApi(g)));
      }
    }
    if (duration instanceof ObjectNode du) {
      copy(du, "minimum_runtime_days", api, "minimumRuntimeDays");
      copy(du, "target_sample_size_per_variant", api, "targetSampleSizePerVariant");
    }
    return api;
  }

  private static JsonNode variantToApi(JsonNode v, int i) {
    if (!(v instanceof ObjectNode o)) {
      return v;
    }
    ObjectNode out = F.objectNode();
    JsonNode name = o.get("name");
    JsonNode key = o.get("key");
    out.set("key", key != null ? key : name);
    if (name != null) {
      out.set("name", name);
    }
    JsonNode allocation = o.get("allocation");
    if (allocation != null) {
      out.put("weight", allocation(allocation, "variants[" + i + "].allocation"));
    }
    copy(o, "config", out, "value");
    return out;
  }

  /**
   * An allocation: a string {@code 50%} is a percentage, a number is a fraction in [0, 1]; a
   * number above 1 is refused rather than guessed to be a percentage.
   */
  static double allocation(JsonNode a, String field) {
    if (a.isTextual()) {
      Matcher m = PERCENT.matcher(a.asText());
      if (!m.matches()) {
        throw DomainException.invalid(field, "must be a percentage such as '50%' or a fraction such as 0.5, was '"
            + a.asText() + "'");
      }
      return new BigDecimal(m.group(1)).movePointLeft(2).doubleValue();
    }
    if (a.isNumber()) {
      double w = a.asDouble();
      if (w > 1) {
        throw DomainException.invalid(field, "a number is a fraction in [0, 1], was " + a.asText() + "; write '"
            + a.asText() + "%' for a percentage");
      }
      return w;
    }
    throw DomainException.invalid(field, "must be a percentage such as '50%' or a fraction such as 0.5");
  }

  /** A weight as its file allocation: a percentage when that reads back exactly, else the fraction. */
  static JsonNode allocation(double weight) {
    String percent = BigDecimal.valueOf(weight).movePointRight(2).stripTrailingZeros().toPlainString() + "%";
    try {
      if (allocation(F.textNode(percent), "") == weight) {
        return F.textNode(percent);
      }
    } catch (DomainException e) {
      // not expressible as a percentage: written as the fraction
    }
    return F.numberNode(weight);
  }

  private static void targetingToApi(ObjectNode t, ObjectNode api) {
    JsonNode segment = t.get("eligible_users");
    JsonNode condition = t.get("condition");
    String attribute = api.path("hashAttribute").asText("id");
    JsonNode group = segment == null ? null : F.objectNode().set(attribute, F.objectNode().set("$inGroup", segment));
    if (group != null && condition != null && !condition.isNull()) {
      api.putObject("condition").putArray("$and").add(group).add(condition.deepCopy());
    } else if (group != null) {
      api.set("condition", group);
    } else if (condition != null) {
      api.set("condition", condition.deepCopy());
    }
    copy(t, "excluded_experiments", api, "excludedExperiments");
  }

  private static ObjectNode experimentToFile(ObjectNode api) {
    ObjectNode out = F.objectNode().put("kind", DocKind.EXPERIMENT.wire());
    String key = api.path("key").asText();
    String name = api.path("name").asText("");
    if (!name.equals(key)) {
      out.put("key", key);
    }
    if (!name.isEmpty()) {
      out.put("name", name);
    }
    ObjectNode rest = api.deepCopy();
    for (String f : List.of("key", "name", "variants", "condition", "excludedExperiments", "metrics",
        "minimumRuntimeDays", "targetSampleSizePerVariant")) {
      rest.remove(f);
    }
    ObjectNode generic = (ObjectNode) Names.toFile(rest);
    for (String f : List.of("hypothesis", "owner", "type", "hash_attribute", "fallback_attribute", "coverage")) {
      move(generic, f, out);
    }
    ArrayNode variants = out.putArray("variants");
    api.path("variants").forEach(v -> variants.add(variantToFile(v)));
    targetingToFile(api, out);
    metricsToFile(api.path("metrics"), out);
    ObjectNode duration = F.objectNode();
    copy(api, "minimumRuntimeDays", duration, "minimum_runtime_days");
    copy(api, "targetSampleSizePerVariant", duration, "target_sample_size_per_variant");
    if (!duration.isEmpty()) {
      out.set("duration", duration);
    }
    out.setAll(generic);
    return out;
  }

  private static ObjectNode variantToFile(JsonNode v) {
    ObjectNode out = F.objectNode();
    String key = v.path("key").asText();
    String name = v.path("name").asText("");
    if (!name.equals(key)) {
      out.put("key", key);
    }
    if (!name.isEmpty()) {
      out.put("name", name);
    }
    out.set("allocation", allocation(v.path("weight").asDouble()));
    JsonNode value = v.path("value");
    if (!value.isNull() && !value.isMissingNode()) {
      out.set("config", value.deepCopy());
    }
    return out;
  }

  private static void targetingToFile(ObjectNode api, ObjectNode out) {
    ObjectNode t = F.objectNode();
    JsonNode condition = api.path("condition");
    String attribute = api.path("hashAttribute").asText("id");
    Optional<String> group = inGroup(condition, attribute);
    JsonNode and = condition.path("$and");
    if (group.isPresent()) {
      t.put("eligible_users", group.get());
    } else if (condition.size() == 1 && and.isArray() && and.size() == 2 && inGroup(and.get(0), attribute).isPresent()) {
      t.put("eligible_users", inGroup(and.get(0), attribute).get());
      t.set("condition", and.get(1).deepCopy());
    } else if (!condition.isNull() && !condition.isMissingNode()) {
      t.set("condition", condition.deepCopy());
    }
    JsonNode excluded = api.path("excludedExperiments");
    if (excluded.isArray() && !excluded.isEmpty()) {
      t.set("excluded_experiments", excluded.deepCopy());
    }
    if (!t.isEmpty()) {
      out.set("targeting", t);
    }
  }

  /* {attribute: {"$inGroup": segment}} and nothing else: the segment. */
  private static Optional<String> inGroup(JsonNode condition, String attribute) {
    if (!condition.isObject() || condition.size() != 1) {
      return Optional.empty();
    }
    JsonNode op = condition.path(attribute);
    JsonNode seg = op.path("$inGroup");
    return op.isObject() && op.size() == 1 && seg.isTextual() ? Optional.of(seg.asText()) : Optional.empty();
  }

  private static void metricsToFile(JsonNode refs, ObjectNode out) {
    ObjectNode m = F.objectNode();
    copy(refs, "primary", m, "primary");
    if (refs.path("secondary").isArray() && !refs.path("secondary").isEmpty()) {
      m.set("secondary", refs.path("secondary").deepCopy());
    }
    ArrayNode gs = F.arrayNode();
    for (JsonNode g : refs.path("guardrails")) {
      JsonNode file = Names.toFile(g);
      gs.add(file.size() == 1 ? file.path("metric") : file);
    }
    if (!gs.isEmpty()) {
      m.set("guardrails", gs);
    }
    if (!m.isEmpty()) {
      out.set("metrics", m);
    }
  }

  private static void copy(JsonNode from, String field, ObjectNode to, String as) {
    JsonNode v = from.get(field);
    if (v != null && !v.isNull()) {
      to.set(as, v.deepCopy());
    }
  }

  private static void move(ObjectNode from, String field, ObjectNode to) {
    JsonNode v = from.remove(field);
    if (v != null) {
      to.set(field, v);
    }
  }

  /** A record's field path in file names: the experiment's renamed fields, then snake_case. */
  static String fileField(DocKind kind, String apiField) {
    if (kind == DocKind.EVENT_SCHEMA) {
      return apiField; // its fields are single words, and property names are the user's own
    }
    String f = apiField;
    if (kind == DocKind.EXPERIMENT) {
      for (Map.Entry<String, String> e : Map.of("weight", "allocation", "value", "config",
          "excludedExperiments", "targeting.excluded_experiments", "condition", "targeting.condition",
          "minimumRuntimeDays", "duration.minimum_runtime_days",
          "targetSampleSizePerVariant", "duration.target_sample_size_per_variant").entrySet()) {
        f = f.replaceAll("(^|\\.)" + Pattern.quote(e.getKey()) + "(?=$|[.\\[])", "$1" + e.getValue());
      }
    }
    return Names.filePath(f);
  }
}
