/**
 * Four-eyes approvals (ADR 0032): approval policies per project and environment, change requests
 * that collect approvals and apply atomically at their base version, and the {@link
 * dev.assay.server.domain.WriteGuard} that refuses a direct write a policy covers.
 */
package dev.assay.server.approvals;
