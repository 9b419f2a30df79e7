package dev.assay.server.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.assay.server.domain.model.Segment;
import dev.assay.server.domain.model.Versioned;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Copies a targeting condition for the SDK payload, replacing {@code {attr: {"$inGroup": seg}}}
 * for condition segments by the segment's condition ({@code $notInGroup}: its {@code $not}).
 * ID-list segments stay as {@code $inGroup}, answered from {@code savedGroups}. Remembers the
 * latest change time of the segments it inlined. Not thread-safe: one per compilation.
 */
final class SegmentInliner {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final int MAX_DEPTH = 64;

  private final Map<String, Versioned<Segment>> segments;
  private Instant latest = Instant.EPOCH;

  SegmentInliner(Map<String, Versioned<Segment>> segments) {
    this.segments = segments;
  }

  /** The latest {@code updatedAt} of an inlined segment. */
  Instant latest() {
    return latest;
  }

  /** The payload form of a condition; empty for none (JSON null or {@code {}}). */
  Optional<JsonNode> inline(JsonNode condition) {
    if (condition.isNull() || condition.isMissingNode() || (condition.isObject() && condition.isEmpty())) {
      return Optional.empty();
    }
    return Optional.of(rewrite(condition, 0));
  }

  private JsonNode rewrite(JsonNode node, int depth) {
    if (depth > MAX_DEPTH) {
      return node.deepCopy();
    }
    if (node.isArray()) {
      ArrayNode out = F.arrayNode();
      node.forEach(n -> out.add(rewrite(n, depth + 1)));
      return out;
    }
    if (!node.isObject()) {
      return node.deepCopy();
    }
    ObjectNode out = F.objectNode();
    List<JsonNode> inlined = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      Optional<JsonNode> segment = e.getKey().startsWith("$") ? Optional.empty() : segmentCondition(e.getValue(), depth);
      if (segment.isPresent()) {
        inlined.add(segment.get());
      } else {
        out.set(e.getKey(), rewrite(e.getValue(), depth + 1));
      }
    }
    if (inlined.isEmpty()) {
      return out;
    }
    ArrayNode all = F.arrayNode();
    if (!out.isEmpty()) {
      all.add(out);
    }
    inlined.forEach(all::add);
    return all.size() == 1 ? all.get(0) : F.objectNode().set("$and", all);
  }

  /* {"$inGroup": key} of a condition segment: its condition; {"$notInGroup": key}: its $not. */
  private Optional<JsonNode> segmentCondition(JsonNode operand, int depth) {
    if (!operand.isObject() || operand.size() != 1) {
      return Optional.empty();
    }
    Map.Entry<String, JsonNode> op = operand.properties().iterator().next();
    boolean in = op.getKey().equals("$inGroup");
    if (!(in || op.getKey().equals("$notInGroup")) || !op.getValue().isTextual()) {
      return Optional.empty();
    }
    Versioned<Segment> seg = segments.get(op.getValue().asText());
    if (seg == null || seg.value().isIdList()) {
      return Optional.empty();
    }
    JsonNode condition = rewrite(seg.value().condition(), depth + 1);
    if (seg.updatedAt().isAfter(latest)) {
      latest = seg.updatedAt();
    }
    return Optional.of(in ? condition : F.objectNode().set("$not", condition));
  }
}
