-- Web UI sign-in (ADR 0017). Shared by H2 and PostgreSQL: only portable SQL here.
-- A user's password, as a PBKDF2 hash with its own salt and iteration count ("pbkdf2-sha256$N$salt$hash");
-- the password itself is never stored, and no API returns this table.
CREATE TABLE user_credentials (
  user_key      VARCHAR(128) NOT NULL PRIMARY KEY,
  password_hash VARCHAR(300) NOT NULL,
  updated_at    BIGINT       NOT NULL
);

-- Signed-in browser sessions: only the SHA-256 of the random session id is kept, so a copy of the
-- database signs nobody in. Idle and absolute expiry are checked against the two times.
CREATE TABLE ui_sessions (
  id_hash      VARCHAR(64)  NOT NULL PRIMARY KEY,
  user_key     VARCHAR(128) NOT NULL,
  created_at   BIGINT       NOT NULL,
  last_seen_at BIGINT       NOT NULL
);
CREATE INDEX ui_sessions_user ON ui_sessions (user_key);
