package dev.assay.server.domain.model;

/** An entity with a key, unique within its kind and project. */
public interface Keyed {
  String key();
}
