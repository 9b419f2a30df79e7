package dev.assay.server.domain.model;

import java.time.Instant;

/**
 * One stored version of an entity: the record and where and when it was stored.
 *
 * @param project the owning project key, or the empty string for global kinds (projects, users)
 * @param version starts at 1 and grows by one with every change (optimistic concurrency)
 */
public record Versioned<T>(T value, String project, long version, Instant createdAt, Instant updatedAt) {}
