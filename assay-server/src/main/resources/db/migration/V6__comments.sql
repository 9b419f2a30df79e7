-- Comments on flags and experiments (issue 15). Shared by H2 and PostgreSQL: only portable SQL here.
-- A comment is written in the same transaction as its audit entry, and its id is that entry's seq,
-- so every comment can be found in the hash-chained audit log. Not versioned: a comment is never edited.
CREATE TABLE comments (
  id          BIGINT       NOT NULL PRIMARY KEY,
  project     VARCHAR(128) NOT NULL,
  kind        VARCHAR(32)  NOT NULL,
  entity_key  VARCHAR(128) NOT NULL,
  author      VARCHAR(200) NOT NULL,
  created_at  BIGINT       NOT NULL,
  body        TEXT         NOT NULL
);
CREATE INDEX comments_by_entity ON comments (kind, project, entity_key, id);
