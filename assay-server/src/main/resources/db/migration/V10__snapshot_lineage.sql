-- The lineage of a results snapshot (issue 20, ADR 0043): what produced it (the warehouse queries
-- with their parameters, rows returned and read, the warehouse and Assay versions, the settings
-- and the definition hashes), as JSON. Null for snapshots stored before, and for holdout results.
-- Shared by H2 and PostgreSQL: portable SQL.
ALTER TABLE analysis_snapshots ADD COLUMN lineage TEXT;
