/**
 * The server's typed domain model: the validated configuration records ({@link
 * dev.assay.server.domain.model.Flag}, {@link dev.assay.server.domain.model.Experiment}, {@link
 * dev.assay.server.domain.model.Metric}, …) with their enums. Each record's compact constructor
 * validates every field, naming it on failure, and applies the field's default once; nothing is
 * null afterwards (absent values are empty {@code Optional}s, empty lists or maps). JSON exists
 * only at the edges: {@link dev.assay.server.domain.model.ModelJson} maps documents to records.
 */
@NullMarked
package dev.assay.server.domain.model;

import org.jspecify.annotations.NullMarked;
