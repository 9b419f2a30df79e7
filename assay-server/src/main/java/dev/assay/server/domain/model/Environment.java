package dev.assay.server.domain.model;

import static dev.assay.server.domain.model.Check.NAME_MAX;
import static dev.assay.server.domain.model.Check.TEXT_MAX;

import org.jspecify.annotations.Nullable;

/** An environment of a project (production, staging, …): flags have rules per environment. */
public record Environment(String key, String name, String description) implements Keyed {
  public Environment(String key, @Nullable String name, @Nullable String description) {
    this.key = Check.key("key", key);
    this.name = Check.text("name", name, NAME_MAX);
    this.description = Check.text("description", description, TEXT_MAX);
  }
}
