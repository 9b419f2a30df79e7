package dev.assay.server.store;

/** The kinds of versioned config entities the store holds. */
public enum Kind {
  PROJECT,
  ENVIRONMENT,
  SDK_CONNECTION,
  FLAG,
  EXPERIMENT,
  LAYER,
  SEGMENT,
  METRIC,
  HOLDOUT,
  USER,
  /** A circuit breaker on a flag or experiment (safety.CircuitBreakers, ADR 0028). */
  BREAKER,
  /** A scheduled change of a flag or experiment (safety.ScheduledChanges, ADR 0030). */
  SCHEDULE,
  /** A progressive rollout of a flag rule in an environment (safety.Rollouts, ADR 0031). */
  ROLLOUT,
  /** An approval policy of a project's environment, keyed by the environment (approvals, ADR 0032). */
  APPROVAL_POLICY,
  /** A change request of a flag or experiment awaiting approval (approvals, ADR 0032). */
  CHANGE_REQUEST,
  /** A project's privacy settings, keyed {@code settings} (privacy.PrivacySettingsService, ADR 0044). */
  PRIVACY,
  /** The differential-privacy ε spent on an experiment, keyed by the experiment (privacy.PrivacyBudget, ADR 0044). */
  DP_BUDGET,
  /** The data contract of a metric event name, keyed by the name (events.DataContracts, ADR 0042). */
  EVENT_SCHEMA,
  /** A project's data-quality settings: validation mode and flagging rules, key "settings" (ADR 0042). */
  DATA_QUALITY
}
