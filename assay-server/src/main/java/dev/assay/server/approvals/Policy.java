package dev.assay.server.approvals;

/**
 * An approval policy of one environment of a project: a covered change needs {@code approvals}
 * approvals by other callers whose role is at least {@code role}.
 *
 * @param role {@code viewer}, {@code analyst}, {@code experimenter} or {@code admin}
 */
public record Policy(String environment, int approvals, String role, String updatedBy, String updatedAt) {
  /** Most approvals a policy may ask for. */
  public static final int MAX_APPROVALS = 10;
}
