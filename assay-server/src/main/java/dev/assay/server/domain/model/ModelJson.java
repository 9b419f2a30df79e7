package dev.assay.server.domain.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.DomainException;
import dev.assay.server.domain.Json;
import dev.assay.server.store.Kind;
import dev.assay.server.store.StoredEntity;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The one mapping between JSON documents and the model records, used at both edges: client
 * documents (strict: unknown fields and wrong types are field errors) and stored documents
 * (lenient about fields it does not know, so documents written by an older or newer server still
 * read). The entity views the API returns are the stored document plus {@code key},
 * {@code project}, {@code version}, {@code createdAt} and {@code updatedAt}.
 */
public final class ModelJson {
  /** Fields a client document may carry (from a read) but the server alone sets. */
  public static final Set<String> READ_ONLY_FIELDS =
      Set.of("version", "createdAt", "updatedAt", "project", "status", "phases", "decision", "clientKey",
          "halted", "killed", "serverKey");
  private static final Set<String> VIEW_FIELDS = Set.of("project", "version", "createdAt", "updatedAt");
  private static final ObjectMapper STORED = Json.MAPPER.copy()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private ModelJson() {}

  /** The record a client document of this kind binds to. */
  public static Class<?> recordClass(Kind kind) {
    return switch (kind) {
      case PROJECT -> Project.class;
      case ENVIRONMENT -> Environment.class;
      case SDK_CONNECTION -> SdkConnectionRequest.class;
      case FLAG -> Flag.class;
      case EXPERIMENT -> Experiment.class;
      case LAYER -> Layer.class;
      case SEGMENT -> Segment.class;
      case METRIC -> Metric.class;
      case HOLDOUT -> Holdout.class;
      case USER -> User.class;
      case BREAKER -> throw new IllegalArgumentException("a breaker is not a configuration record (safety.CircuitBreakers)");
      case SCHEDULE -> throw new IllegalArgumentException("a schedule is not a configuration record (safety.ScheduledChanges)");
      case ROLLOUT -> throw new IllegalArgumentException("a rollout is not a client document (safety.Rollouts)");
      case APPROVAL_POLICY, CHANGE_REQUEST -> throw new IllegalArgumentException(
          "approvals are not configuration records (approvals.Approvals)");
      case PRIVACY, DP_BUDGET -> throw new IllegalArgumentException("privacy settings are not configuration records (privacy)");
      case EVENT_SCHEMA, DATA_QUALITY -> throw new IllegalArgumentException(
          "data contracts are not configuration records (events.DataContracts)");
    };
  }

  /** A record as its JSON document (absent optionals as null, or left out where the record says). */
  public static ObjectNode toTree(Object record) {
    return Json.MAPPER.valueToTree(record);
  }

  // ---- client documents ----

  /** Binds a client's create document; fields the server sets are refused, naming the field. */
  public static <T> T create(Class<T> type, JsonNode body) {
    ObjectNode copy = object(body);
    for (String f : READ_ONLY_FIELDS) {
      if (copy.has(f)) {
        throw DomainException.invalid(f, "is set by the server and cannot be given on create");
      }
    }
    return Json.bind(copy, type);
  }

  /**
   * Binds a client's replacement document for the entity {@code key}: fields the server sets are
   * ignored (a document read can be sent back), a different key is refused (keys are not renamed).
   */
  public static <T> T update(Class<T> type, String key, JsonNode body) {
    ObjectNode copy = object(body);
    copy.remove(READ_ONLY_FIELDS);
    JsonNode given = copy.get("key");
    if (given != null && !key.equals(given.asText())) {
      throw DomainException.invalid("key", "must match the key in the path ('" + key + "'); keys cannot be renamed");
    }
    copy.put("key", key);
    return Json.bind(copy, type);
  }

  /** The {@code version} a change is based on, required: optimistic concurrency. */
  public static long version(JsonNode body) {
    return optionalVersion(body).orElseThrow(() ->
        DomainException.invalid("version", "is required: send the version you read, for optimistic concurrency"));
  }

  /** The {@code version} a change is based on, if given. */
  public static Optional<Long> optionalVersion(JsonNode body) {
    JsonNode v = body.get("version");
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 1) {
      throw DomainException.invalid("version", "must be a positive integer");
    }
    return Optional.of(v.asLong());
  }

  /**
   * The body of a lifecycle action: an object with at most {@code version} and, for
   * {@code conclude}, the required {@code decision}.
   *
   * @return the decision, when the action takes one
   */
  public static Optional<Decision> action(String action, boolean takesDecision, JsonNode body) {
    ObjectNode b = object(body);
    for (var it = b.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("version") && !(takesDecision && f.equals("decision"))) {
        throw DomainException.invalid(f, "unknown field for '" + action + "'");
      }
    }
    if (!takesDecision) {
      return Optional.empty();
    }
    JsonNode d = b.get("decision");
    if (d == null || d.isNull()) {
      throw DomainException.invalid("decision", "is required to conclude an experiment"
          + " (outcome: ship, rollback or inconclusive; variant for ship; writeUp)");
    }
    try {
      return Optional.of(Json.bind(d, Decision.class));
    } catch (DomainException e) {
      throw e.within("decision");
    }
  }

  private static ObjectNode object(JsonNode body) {
    if (!(body instanceof ObjectNode o)) {
      throw DomainException.invalid("body", "must be a JSON object");
    }
    return o.deepCopy();
  }

  // ---- stored documents and views ----

  /** Reads a stored document as its record. */
  public static <T> T fromStored(Class<T> type, String body) {
    return bindStored(type, parse(body));
  }

  /** The versioned record of a stored entity. */
  public static <T> Versioned<T> versioned(Class<T> type, StoredEntity e) {
    return new Versioned<>(fromStored(type, e.body()), e.scope(), e.version(), e.createdAt(), e.updatedAt());
  }

  /** Reads an entity view (as the API returns it) as its record. */
  public static <T> T fromView(Class<T> type, JsonNode view) {
    ObjectNode doc = object(view);
    doc.remove(VIEW_FIELDS);
    return bindStored(type, doc);
  }

  /** Reads an entity view (as the API returns it) as its versioned record. */
  public static <T> Versioned<T> versionedView(Class<T> type, JsonNode view) {
    JsonNode project = view.get("project");
    return new Versioned<>(fromView(type, view), project == null ? "" : project.asText(),
        view.path("version").asLong(1), instant(view.get("createdAt")), instant(view.get("updatedAt")));
  }

  private static java.time.Instant instant(@Nullable JsonNode text) {
    return text == null || !text.isTextual() ? java.time.Instant.EPOCH : java.time.Instant.parse(text.asText());
  }

  /**
   * The view of a stored entity: its document plus identity, version and times; a server key's
   * hash is never shown.
   */
  public static ObjectNode view(StoredEntity e) {
    ObjectNode out = Json.MAPPER.createObjectNode();
    out.put("key", e.key());
    if (!e.scope().isEmpty()) {
      out.put("project", e.scope());
    }
    out.put("version", e.version());
    out.put("createdAt", e.createdAt().toString());
    out.put("updatedAt", e.updatedAt().toString());
    out.setAll(parse(e.body()));
    if (out.get("serverKey") instanceof ObjectNode serverKey) {
      serverKey.remove("hash");
    }
    return out;
  }

  /** Parses a stored document (always a JSON object). */
  public static ObjectNode parse(String body) {
    try {
      return (ObjectNode) STORED.readTree(body);
    } catch (JsonProcessingException | ClassCastException e) {
      throw new IllegalStateException("stored document is not a JSON object", e);
    }
  }

  private static <T> T bindStored(Class<T> type, ObjectNode doc) {
    if (type == Experiment.class) {
      upgradeDecision(doc);
    }
    try {
      return STORED.treeToValue(doc, type);
    } catch (JsonProcessingException e) {
      Throwable cause = e.getCause();
      if (cause instanceof DomainException d) {
        throw d;
      }
      throw new IllegalStateException("stored " + type.getSimpleName().toLowerCase(Locale.ROOT)
          + " does not read: " + e.getOriginalMessage(), e);
    }
  }

  /* Ship decisions stored before the audience existed shipped to everyone, and keep doing so. */
  private static void upgradeDecision(ObjectNode doc) {
    if (doc.get("decision") instanceof ObjectNode d && d.path("outcome").asText().equals("ship")
        && (d.get("audience") == null || d.get("audience").isNull())) {
      d.put("audience", Audience.EVERYONE.wire());
    }
  }

  /** The lower-case names of an enum's constants, as JSON writes them. */
  public static List<String> names(Enum<?>[] constants) {
    return WireName.all(constants);
  }
}
