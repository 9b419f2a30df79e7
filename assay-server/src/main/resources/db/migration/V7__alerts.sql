-- Alerts (issue 17, ADR 0027). Shared by H2 and PostgreSQL: only portable SQL here.
-- A channel is a webhook of one project. Its secret signs every delivery (HMAC-SHA256), so it is
-- kept as given (a hash could not sign); the API shows it once, at creation, and never again.
-- alert_types is the channel's subscription: a comma-separated list of alert types, or '*' for all.
CREATE TABLE alert_channels (
  project      VARCHAR(128)  NOT NULL,
  channel_key  VARCHAR(128)  NOT NULL,
  format       VARCHAR(16)   NOT NULL,
  url          VARCHAR(2000) NOT NULL,
  secret       VARCHAR(200)  NOT NULL,
  alert_types  VARCHAR(2000) NOT NULL,
  created_at   BIGINT        NOT NULL,
  created_by   VARCHAR(200)  NOT NULL,
  PRIMARY KEY (project, channel_key)
);

-- The outbox: one row per (alert, channel), written when the alert is raised and kept after it is
-- delivered (the delivery history). status is pending, delivered or dead (the dead-letter list);
-- a pending row whose next_attempt_at has passed is due. The id is the idempotency key a receiver
-- sees on every attempt.
CREATE TABLE alert_outbox (
  id              VARCHAR(64)   NOT NULL PRIMARY KEY,
  project         VARCHAR(128)  NOT NULL,
  channel_key     VARCHAR(128)  NOT NULL,
  alert_type      VARCHAR(64)   NOT NULL,
  summary         VARCHAR(2000) NOT NULL,
  payload         TEXT          NOT NULL,
  status          VARCHAR(16)   NOT NULL,
  attempts        INT           NOT NULL,
  next_attempt_at BIGINT        NOT NULL,
  created_at      BIGINT        NOT NULL,
  updated_at      BIGINT        NOT NULL,
  last_error      VARCHAR(1000)
);
CREATE INDEX alert_outbox_due ON alert_outbox (status, next_attempt_at);
CREATE INDEX alert_outbox_by_project ON alert_outbox (project, created_at);
