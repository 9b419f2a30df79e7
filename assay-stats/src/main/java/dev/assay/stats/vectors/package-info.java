/**
 * <b>Not API.</b> The reference-vector harness: runs cases in the {@code stat-vectors.json} format
 * (values computed outside Assay, by SciPy, R or another platform) through the engine in
 * {@link dev.assay.stats} and compares the outputs with their tolerances. Used by the engine's own
 * tests and by {@code assay verify-stats}; its types and the case format may change in any release
 * without deprecation, and the API compatibility check (japicmp) must exclude this package.
 */
@NullMarked
package dev.assay.stats.vectors;

import org.jspecify.annotations.NullMarked;
