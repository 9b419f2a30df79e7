package dev.assay.server.domain.model;

import static dev.assay.server.domain.model.Check.NAME_MAX;
import static dev.assay.server.domain.model.Check.TEXT_MAX;

import org.jspecify.annotations.Nullable;

/** A layer (namespace): experiments in one layer reserve disjoint ranges, so they are mutually exclusive. */
public record Layer(String key, String name, String description) implements Keyed {
  public Layer(String key, @Nullable String name, @Nullable String description) {
    this.key = Check.key("key", key);
    this.name = Check.text("name", name, NAME_MAX);
    this.description = Check.text("description", description, TEXT_MAX);
  }
}
