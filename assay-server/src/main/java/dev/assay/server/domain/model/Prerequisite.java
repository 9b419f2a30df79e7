package dev.assay.server.domain.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.assay.server.domain.DomainException;
import org.jspecify.annotations.Nullable;

/**
 * Another flag that must evaluate to {@code value} for this flag to apply; otherwise this flag
 * evaluates to nothing (the caller's default), in every environment.
 */
public record Prerequisite(String flag, JsonNode value) {
  public Prerequisite(String flag, @Nullable JsonNode value) {
    this.flag = Check.key("flag", flag);
    if (value == null || value.isNull()) {
      throw DomainException.invalid("value", "is required: the value the prerequisite flag must evaluate to");
    }
    this.value = value;
  }
}
