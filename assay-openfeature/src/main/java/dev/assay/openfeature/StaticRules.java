package dev.assay.openfeature;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Which features have a first rule that forces the same value for everybody (no condition,
 * prerequisite, saved group, filter, range, namespace or coverage: a rollout at full coverage still
 * leaves out units without the hash attribute). A force result from
 * such a rule is reported as {@code STATIC}; every other force result as {@code TARGETING_MATCH}.
 *
 * <p>Read from the payload JSON, because the SDK's compiled ruleset does not expose its rules. An
 * encrypted payload, or no payload at all, gives an empty index: then every force result is a
 * targeting match, which is never wrong, only less precise. Immutable.
 */
final class StaticRules {

  static final StaticRules NONE = new StaticRules(Map.of());

  private static final JsonFactory JSON = new JsonFactory();

  /** Per feature: the id of its static first rule, and how many force rules it has. */
  private record Entry(String firstRuleId, int forceRules) {}

  private final Map<String, Entry> features;

  private StaticRules(Map<String, Entry> features) {
    this.features = features;
  }

  /** Whether the force result of {@code featureKey} by rule {@code ruleId} came from a static rule. */
  boolean isStatic(String featureKey, String ruleId) {
    Entry e = features.get(featureKey);
    if (e == null || !e.firstRuleId.equals(ruleId)) {
      return false;
    }
    // A rule without an id is only identifiable when it is the feature's only force rule.
    return !ruleId.isEmpty() || e.forceRules == 1;
  }

  /** The index of a payload; {@link #NONE} when it is absent, encrypted or unreadable. */
  static StaticRules of(@Nullable String payload) {
    if (payload == null) {
      return NONE;
    }
    try (JsonParser p = JSON.createParser(payload)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return NONE;
      }
      Map<String, Entry> out = new HashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        if ("features".equals(field) && t == JsonToken.START_OBJECT) {
          readFeatures(p, out);
        } else {
          p.skipChildren();
        }
      }
      return out.isEmpty() ? NONE : new StaticRules(Map.copyOf(out));
    } catch (IOException | RuntimeException e) {
      return NONE;
    }
  }

  private static void readFeatures(JsonParser p, Map<String, Entry> out) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      if (p.nextToken() != JsonToken.START_OBJECT) {
        p.skipChildren();
        continue;
      }
      Entry e = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        if ("rules".equals(field) && t == JsonToken.START_ARRAY) {
          e = readRules(p);
        } else {
          p.skipChildren();
        }
      }
      if (e != null) {
        out.put(key, e);
      }
    }
  }

  /** Reads a rules array; returns the entry when the first rule is a static force rule. */
  private static @Nullable Entry readRules(JsonParser p) throws IOException {
    int index = 0;
    int forceRules = 0;
    String firstStaticId = null;
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t != JsonToken.START_OBJECT) {
        p.skipChildren();
        index++;
        continue;
      }
      boolean force = false;
      boolean targeted = false;
      String id = "";
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        switch (field) {
          case "force" -> force = true;
          case "id" -> id = v == JsonToken.VALUE_STRING ? p.getText() : "";
          // Even full coverage excludes units without the hash attribute, so it is targeting.
          case "coverage" -> targeted = true;
          case "condition" -> targeted |= !isEmptyContainer(p, v);
          case "parentConditions", "savedGroups", "filters" -> targeted |= !isEmptyContainer(p, v);
          case "range", "namespace" -> targeted |= v != JsonToken.VALUE_NULL;
          default -> { }
        }
        p.skipChildren();
      }
      if (force) {
        forceRules++;
        if (index == 0 && !targeted) {
          firstStaticId = id;
        }
      }
      index++;
    }
    return firstStaticId == null ? null : new Entry(firstStaticId, forceRules);
  }

  /**
   * Whether the value at the current token is null or an empty object or array. Consumes the value
   * when it is an empty container; otherwise leaves the parser on its first token for skipChildren.
   */
  private static boolean isEmptyContainer(JsonParser p, JsonToken t) throws IOException {
    if (t == JsonToken.VALUE_NULL) {
      return true;
    }
    if (t != JsonToken.START_OBJECT && t != JsonToken.START_ARRAY) {
      return false;
    }
    // Peek: an empty container closes immediately. Otherwise skip the rest of it here, because the
    // caller's skipChildren() no longer sees the container's start token.
    JsonToken next = p.nextToken();
    if (next == JsonToken.END_OBJECT || next == JsonToken.END_ARRAY) {
      return true;
    }
    int depth = 1;
    if (next == JsonToken.START_OBJECT || next == JsonToken.START_ARRAY) {
      depth++;
    }
    while (depth > 0) {
      JsonToken x = p.nextToken();
      if (x == JsonToken.START_OBJECT || x == JsonToken.START_ARRAY) {
        depth++;
      } else if (x == JsonToken.END_OBJECT || x == JsonToken.END_ARRAY) {
        depth--;
      } else if (x == null) {
        throw new IOException("unexpected end of payload");
      }
    }
    return false;
  }
}
