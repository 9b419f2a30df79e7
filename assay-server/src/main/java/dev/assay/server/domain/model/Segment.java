package dev.assay.server.domain.model;

import static dev.assay.server.domain.model.Check.NAME_MAX;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.assay.server.domain.DomainException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A segment (saved group): a reusable targeting condition, or a list of ids of one attribute.
 *
 * @param condition the condition; JSON null for an id-list segment
 * @param ids the ids; empty for a condition segment
 */
public record Segment(String key, String name, String attribute, JsonNode condition, List<String> ids) implements Keyed {
  public Segment(String key, @Nullable String name, @Nullable String attribute, @Nullable JsonNode condition,
      @Nullable List<String> ids) {
    this.key = Check.key("key", key);
    this.name = Check.text("name", name, NAME_MAX);
    this.ids = Check.list("ids", ids, 100_000);
    boolean hasCondition = condition != null && !condition.isNull();
    if (hasCondition == !this.ids.isEmpty()) {
      throw DomainException.invalid("condition", "give exactly one of 'condition' or 'ids'");
    }
    if (!this.ids.isEmpty()) {
      this.attribute = Check.requiredText("attribute", attribute, NAME_MAX);
    } else {
      this.attribute = Check.text("attribute", attribute, NAME_MAX);
      Conditions.validate("condition", Check.required("condition", condition));
    }
    this.condition = condition == null || !hasCondition ? NullNode.getInstance() : condition;
  }

  /** Whether this is an id-list segment (served as a saved group) rather than a condition. */
  public boolean isIdList() {
    return !ids.isEmpty();
  }
}
