package dev.assay.server.store;

import java.util.Optional;

/**
 * A stored analysis snapshot: its id (unique in the store, increasing), the experiment phase it is
 * of, its JSON body and, when the refresh recorded it, its lineage (JSON; ADR 0043).
 */
public record StoredSnapshot(long id, String project, String experimentKey, int phase, long createdAtMillis,
    String body, Optional<String> lineage) {}
