package dev.assay.server.ui;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.sdk.Attributes;
import dev.assay.sdk.FeatureResult;
import dev.assay.server.delivery.PayloadEvaluators;
import dev.assay.server.domain.ConfigService;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.Json;
import dev.assay.server.store.Kind;
import dev.assay.server.ui.UiModel.Environment;
import dev.assay.server.ui.UiModel.Flag;
import dev.assay.server.ui.UiModel.FlagInput;
import dev.assay.server.ui.UiModel.FlagRow;
import dev.assay.server.ui.UiModel.HistoryEntry;
import dev.assay.server.ui.UiModel.Preview;
import dev.assay.server.ui.UiModel.RuleInput;
import dev.assay.server.ui.UiModel.SdkConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The UI's one adapter to the domain: every read and write of a page goes through here, to the
 * same services the API calls ({@link ConfigService}, the SDK engine over the compiled payloads,
 * the audit log), so validation and audit are the API's. Documents become {@link UiModel} values
 * here and form input becomes documents here; when the domain model changes, this class changes
 * and the pages do not. Thread-safe.
 */
final class UiDomain {
  static final int STALE_DAYS = 30;
  private final ConfigService config;
  private final PayloadEvaluators evaluators;
  private final Clock clock;

  UiDomain(ConfigService config, PayloadEvaluators evaluators, Clock clock) {
    this.config = config;
    this.evaluators = evaluators;
    this.clock = clock;
  }

  List<String> projects() {
    return config.projectKeys();
  }

  // ---- projects, environments, SDK connections ----

  List<Environment> environments(String project) {
    return config.list(Kind.ENVIRONMENT, project).stream()
        .map(e -> new Environment(e.path("key").asText(), e.path("name").asText(), e.path("description").asText()))
        .toList();
  }

  List<SdkConnection> sdkConnections(String project) {
    return config.list(Kind.SDK_CONNECTION, project).stream().map(UiDomain::connection).toList();
  }

  SdkConnection createSdkConnection(String project, String environment, String name, boolean encrypt, String actor) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("environment", environment);
    body.put("name", name);
    body.put("encrypt", encrypt);
    return connection(config.create(Kind.SDK_CONNECTION, project, body, actor));
  }

  private static SdkConnection connection(JsonNode c) {
    return new SdkConnection(c.path("key").asText(), c.path("environment").asText(), c.path("name").asText(),
        c.hasNonNull("encryptionKey") ? Optional.of(c.get("encryptionKey").asText()) : Optional.empty(),
        c.path("serverKey").isObject());
  }

  List<UiModel.Segment> segments(String project) {
    return config.list(Kind.SEGMENT, project).stream()
        .map(s -> new UiModel.Segment(s.path("key").asText(), s.path("name").asText())).toList();
  }

  // ---- flags ----

  List<FlagRow> flags(String project) {
    Instant staleBefore = Instant.ofEpochMilli(clock.millis()).minus(Duration.ofDays(STALE_DAYS));
    return config.list(Kind.FLAG, project).stream().map(f -> {
      Instant updated = Instant.parse(f.path("updatedAt").asText());
      String lifecycle = f.path("lifecycle").asText("active");
      return new FlagRow(f.path("key").asText(), f.path("type").asText(), text(f.get("defaultValue")),
          f.path("description").asText(), f.path("owner").asText(), strings(f.path("tags")), lifecycle,
          lifecycle.equals("stale") || lifecycle.equals("active") && updated.isBefore(staleBefore),
          f.path("killed").isObject() || f.path("killed").asBoolean(false), updated);
    }).toList();
  }

  Flag flag(String project, String key) {
    return FlagDocuments.flag(config.get(Kind.FLAG, project, key));
  }

  Flag createFlag(String project, FlagInput input, String actor) {
    ObjectNode body = FlagDocuments.settings(JsonNodeFactory.instance.objectNode(), input);
    return FlagDocuments.flag(config.create(Kind.FLAG, project, body, actor));
  }

  /** Replaces the flag's settings (not its rules), based on the version the form was read at. */
  Flag updateFlag(String project, String key, long version, FlagInput input, String actor) {
    return saveFlag(project, key, settingsDocument(project, key, version, input), actor);
  }

  /** The flag's document with new settings (not its rules), at the version the form was read at. */
  ObjectNode settingsDocument(String project, String key, long version, FlagInput input) {
    ObjectNode doc = editable(config.get(Kind.FLAG, project, key), version);
    FlagDocuments.settings(doc, input);
    return doc;
  }

  /** Replaces one environment's rules and switch. */
  Flag saveEnvironment(String project, String key, long version, String environment, boolean enabled,
      List<RuleInput> rules, String actor) {
    return saveFlag(project, key, environmentDocument(project, key, version, environment, enabled, rules), actor);
  }

  /** The flag's document with one environment's rules and switch replaced. */
  ObjectNode environmentDocument(String project, String key, long version, String environment, boolean enabled,
      List<RuleInput> rules) {
    ObjectNode doc = editable(config.get(Kind.FLAG, project, key), version);
    String type = doc.path("type").asText();
    ObjectNode envs = doc.has("environments") && doc.get("environments").isObject()
        ? (ObjectNode) doc.get("environments") : doc.putObject("environments");
    envs.set(environment, FlagDocuments.environment(environment, type, enabled, rules));
    return doc;
  }

  Flag savePrerequisites(String project, String key, long version, List<UiModel.Prerequisite> prerequisites,
      String actor) {
    return saveFlag(project, key, prerequisitesDocument(project, key, version, prerequisites), actor);
  }

  /** The flag's document with its prerequisites replaced. */
  ObjectNode prerequisitesDocument(String project, String key, long version,
      List<UiModel.Prerequisite> prerequisites) {
    ObjectNode doc = editable(config.get(Kind.FLAG, project, key), version);
    ArrayNode list = doc.putArray("prerequisites");
    for (int i = 0; i < prerequisites.size(); i++) {
      ObjectNode p = list.addObject();
      p.put("flag", prerequisites.get(i).flag());
      p.set("value", FlagDocuments.jsonValue("prerequisites[" + i + "].value", prerequisites.get(i).value()));
    }
    return doc;
  }

  /** Writes a flag's new document (carrying the version it was based on). */
  Flag saveFlag(String project, String key, ObjectNode document, String actor) {
    return FlagDocuments.flag(config.update(Kind.FLAG, project, key, document, false, actor));
  }

  void kill(String project, String key, String reason, String actor) {
    config.setKilled(Kind.FLAG, project, key, true, reason, actor);
  }

  void restore(String project, String key, String actor) {
    config.setKilled(Kind.FLAG, project, key, false, "", actor);
  }

  /** The newest versions of a flag or experiment (its version history), newest first. */
  List<HistoryEntry> history(String project, Kind kind, String key, int limit) {
    List<HistoryEntry> out = new ArrayList<>();
    for (JsonNode item : config.history().history(kind, project, key, limit, Optional.empty()).path("items")) {
      List<String> changed = new ArrayList<>();
      item.path("changes").forEach(c -> changed.add(c.path("path").asText()));
      out.add(new HistoryEntry(item.path("version").asLong(), Instant.parse(item.path("at").asText()),
          item.path("actor").asText(), item.path("action").asText(), item.path("reason").asText(""), changed));
    }
    return out;
  }

  /** Restores version {@code n} of a flag or experiment as a new version (see ConfigService#restore). */
  void restoreVersion(String project, Kind kind, String key, long n, long version, boolean newPhase, String reason,
      String actor) {
    config.restore(kind, project, key, n, version, newPhase, actor,
        reason.isBlank() ? Optional.empty() : Optional.of(reason.strip()));
  }

  /** The document of version {@code n} of a flag or experiment, as {@code GET .../versions/{n}} shows it. */
  ObjectNode versionDocument(String project, Kind kind, String key, long n) {
    return config.history().version(kind, project, key, n);
  }

  /** The first SDK connection of each environment (for the preview). */
  Map<String, String> connectionByEnvironment(String project) {
    Map<String, String> out = new LinkedHashMap<>();
    sdkConnections(project).forEach(c -> out.putIfAbsent(c.environment(), c.clientKey()));
    return out;
  }

  /**
   * What a unit with these attributes gets from the flag in one environment: the SDK engine over
   * the payload that environment's SDK connection serves.
   */
  Preview preview(String project, String flagKey, String environment, String attributesJson) {
    String clientKey = connectionByEnvironment(project).get(environment);
    if (clientKey == null) {
      throw DomainException.invalid("environment", "has no SDK connection; create one on the Project page first");
    }
    JsonNode attrs = attributesJson.isBlank() ? JsonNodeFactory.instance.objectNode()
        : FlagDocuments.jsonValue("attributes", attributesJson);
    if (!attrs.isObject()) {
      throw DomainException.invalid("attributes", "must be a JSON object such as {\"id\": \"user-1\"}");
    }
    Map<String, Object> map = Json.MAPPER.convertValue(attrs, Json.MAPPER.getTypeFactory()
        .constructMapType(LinkedHashMap.class, String.class, Object.class));
    var evaluator = evaluators.get(clientKey).orElseThrow(() ->
        DomainException.notFound("no compiled payload for SDK connection '" + clientKey + "'"));
    FeatureResult r = evaluator.client().evaluate(flagKey, Attributes.fromMap(map));
    String value = r.value().map(UiDomain::toJson).orElse("null");
    return new Preview(clientKey, value, r.source().wireName(), r.ruleId());
  }

  private static ObjectNode editable(ObjectNode current, long version) {
    ObjectNode doc = current.deepCopy();
    for (String readOnly : List.of("project", "createdAt", "updatedAt", "killed")) {
      doc.remove(readOnly);
    }
    doc.put("version", version);
    return doc;
  }

  static String text(JsonNode v) {
    return v == null || v.isNull() ? "" : v.isTextual() ? v.asText() : v.toString();
  }

  private static String toJson(Object o) {
    try {
      return Json.MAPPER.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      return String.valueOf(o);
    }
  }

  static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
