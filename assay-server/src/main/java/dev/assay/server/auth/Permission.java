package dev.assay.server.auth;

/** A capability an endpoint requires. */
public enum Permission {
  /** Read config: projects, environments, SDK connections, flags, experiments, layers, segments, metrics. */
  READ,
  /** Read the audit log. */
  READ_AUDIT,
  /** Comment on flags and experiments. */
  COMMENT,
  /** Create and edit metrics. */
  WRITE_METRICS,
  /** Create and edit flags, experiments (and their lifecycle), layers, segments, SDK connections. */
  WRITE_CONFIG,
  /** Projects, environments, users, API keys, audit verification and export. */
  ADMIN
}
