/**
 * Privacy controls per project (ADR 0044, docs/privacy.md): consent handling and redaction rules
 * applied at ingestion ({@link dev.assay.server.privacy.PrivacySettingsService}, compiled into the
 * events package's {@link dev.assay.server.events.IngestRules}), retention per event type (enforced
 * by the events package's retention job), the small-cell threshold of dimension breakdowns, and
 * differentially private exports of aggregate results with an ε budget per experiment
 * ({@link dev.assay.server.privacy.DpExport}, {@link dev.assay.server.privacy.PrivacyBudget}).
 */
package dev.assay.server.privacy;
