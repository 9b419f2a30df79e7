-- Job leases (issue 17, several replicas; ADR 0029). Shared by H2 and PostgreSQL: portable SQL.
-- A periodic job (analysis refresh, event retention) runs on the replica holding its lease. holder
-- is the random id of a server process; expires_at is epoch milliseconds. A lease whose expires_at
-- has passed can be taken over by any replica (its holder stopped, or stalled past the lease).
CREATE TABLE job_leases (
  name       VARCHAR(128) NOT NULL PRIMARY KEY,
  holder     VARCHAR(64)  NOT NULL,
  expires_at BIGINT       NOT NULL
);
