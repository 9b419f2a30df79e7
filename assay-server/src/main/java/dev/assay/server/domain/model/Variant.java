package dev.assay.server.domain.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.jspecify.annotations.Nullable;

/**
 * A variant of an experiment.
 *
 * @param weight its share of the experiment's traffic, in [0, 1]
 * @param value the value served to its units; JSON null serves the variant's key
 */
public record Variant(String key, String name, Double weight, JsonNode value) {
  public Variant(String key, @Nullable String name, @Nullable Double weight, @Nullable JsonNode value) {
    this.key = Check.key("key", key);
    this.name = Check.text("name", name, Check.NAME_MAX);
    this.weight = Check.fraction("weight", Check.required("weight", weight), 0);
    this.value = value == null ? NullNode.getInstance() : value;
  }

  /** What the SDK serves to this variant's units: its value, or its key when it has none. */
  public JsonNode served() {
    return value.isNull() ? TextNode.valueOf(key) : value.deepCopy();
  }
}
