-- Per-project scoping of API keys: a comma-separated list of project keys the key may touch;
-- NULL means every project (keys created before scoping existed keep that meaning).
ALTER TABLE api_keys ADD COLUMN projects VARCHAR(4000);
