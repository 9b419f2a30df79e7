package dev.assay.server.approvals;

/**
 * One approval, rejection or withdrawal of a change request.
 *
 * @param by the caller's credential id (an API key's id, or {@code user:<key>} for a signed-in user)
 * @param actor how the caller appears in the audit log
 */
public record Review(String by, String actor, String comment, String at) {}
