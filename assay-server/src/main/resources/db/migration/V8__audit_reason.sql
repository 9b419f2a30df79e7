-- Why a change was made (issue 17, history and rollback): the optional `reason` a writer gives with
-- a change. Part of the audit entry and of its hash when present; NULL for entries without one
-- (every entry written before this column existed hashes exactly as before).
ALTER TABLE audit_log ADD COLUMN reason VARCHAR(1000);
