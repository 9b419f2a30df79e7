-- Config store schema, shared by H2 (embedded) and PostgreSQL: only portable SQL here.
-- Config entities are versioned JSON documents keyed by (kind, scope, key); scope is the project key
-- (empty for global kinds such as projects and users).
CREATE TABLE entities (
  kind        VARCHAR(32)  NOT NULL,
  scope       VARCHAR(128) NOT NULL,
  entity_key  VARCHAR(128) NOT NULL,
  version     BIGINT       NOT NULL,
  body        TEXT         NOT NULL,
  created_at  BIGINT       NOT NULL,
  updated_at  BIGINT       NOT NULL,
  PRIMARY KEY (kind, scope, entity_key)
);

CREATE TABLE api_keys (
  id          VARCHAR(64)  NOT NULL PRIMARY KEY,
  name        VARCHAR(200) NOT NULL,
  role        VARCHAR(32)  NOT NULL,
  token_hash  VARCHAR(64)  NOT NULL UNIQUE,
  created_at  BIGINT       NOT NULL,
  created_by  VARCHAR(200) NOT NULL,
  revoked_at  BIGINT
);

-- Append-only, hash-chained audit log. Each row carries the hash of the previous row.
CREATE TABLE audit_log (
  seq         BIGINT       NOT NULL PRIMARY KEY,
  at_millis   BIGINT       NOT NULL,
  actor       VARCHAR(200) NOT NULL,
  action      VARCHAR(64)  NOT NULL,
  kind        VARCHAR(32)  NOT NULL,
  scope       VARCHAR(128) NOT NULL,
  entity_key  VARCHAR(128) NOT NULL,
  before_json TEXT,
  after_json  TEXT,
  prev_hash   VARCHAR(64)  NOT NULL,
  hash        VARCHAR(64)  NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (kind, scope, entity_key);
CREATE INDEX audit_log_actor ON audit_log (actor);
CREATE INDEX audit_log_time ON audit_log (at_millis);

-- The chain head: one row, locked (SELECT ... FOR UPDATE) by every writing transaction, which
-- serializes writers so that check-then-act validations and the hash chain stay consistent.
CREATE TABLE audit_head (
  id   INT         NOT NULL PRIMARY KEY,
  seq  BIGINT      NOT NULL,
  hash VARCHAR(64) NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
