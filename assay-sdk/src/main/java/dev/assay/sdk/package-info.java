/**
 * The Assay SDK: in-process, GrowthBook-compatible evaluation of feature flags and experiments.
 */
@NullMarked
package dev.assay.sdk;

import org.jspecify.annotations.NullMarked;
