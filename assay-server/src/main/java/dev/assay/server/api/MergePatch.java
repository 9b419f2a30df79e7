package dev.assay.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON Merge Patch (RFC 7396): a patch object sets the members it names, removes those it sets to
 * {@code null}, recurses into objects, and replaces everything else (arrays included) whole. A patch
 * that is not an object replaces the target whole.
 */
final class MergePatch {
  private MergePatch() {}

  /** The target with the patch applied; neither argument is modified. */
  static JsonNode apply(JsonNode target, JsonNode patch) {
    if (!patch.isObject()) {
      return patch.deepCopy();
    }
    ObjectNode result = target.isObject() ? ((ObjectNode) target).deepCopy() : ((ObjectNode) patch).objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> member = it.next();
      if (member.getValue().isNull()) {
        result.remove(member.getKey());
      } else {
        JsonNode current = result.get(member.getKey());
        result.set(member.getKey(), apply(current == null ? result.nullNode() : current, member.getValue()));
      }
    }
    return result;
  }
}
