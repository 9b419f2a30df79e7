-- Keyed MAC of each audit entry (HMAC-SHA256 of its hash under a key kept outside the database,
-- ADR 0015). NULL only for entries written before the key existed.
ALTER TABLE audit_log ADD COLUMN mac VARCHAR(64);
