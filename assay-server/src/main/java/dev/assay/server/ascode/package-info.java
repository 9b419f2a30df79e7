/**
 * Experiments as code: the file format (YAML or JSON documents, snake_case) of every
 * configuration kind, its JSON Schema, the mapping between file documents and the domain records,
 * the plan/apply/export of a project against the config service, and {@link
 * dev.assay.server.ascode.Lint}, which checks files without a server. ADR 0022.
 */
@NullMarked
package dev.assay.server.ascode;

import org.jspecify.annotations.NullMarked;
