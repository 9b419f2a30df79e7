/**
 * The Assay SDK: in-process, GrowthBook-compatible evaluation of feature flags and experiments
 * ({@link dev.assay.sdk.ExperimentClient}, kept in sync by {@link dev.assay.sdk.AssayClient}), and
 * delivery of exposures and metric events to the server ({@link dev.assay.sdk.EventLogger}).
 */
@NullMarked
package dev.assay.sdk;

import org.jspecify.annotations.NullMarked;
