/**
 * The Assay OpenFeature provider: {@link dev.assay.openfeature.AssayProvider} serves Assay flags and
 * experiments through the vendor-neutral OpenFeature API.
 */
@NullMarked
package dev.assay.openfeature;

import org.jspecify.annotations.NullMarked;
