/**
 * The Assay statistics engine: pure functions from per-variant sufficient statistics to results.
 */
@NullMarked
package dev.assay.stats;

import org.jspecify.annotations.NullMarked;
