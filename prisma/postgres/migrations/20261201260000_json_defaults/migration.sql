-- For the SQLite migration 20261201260000_json_defaults.
-- This is an empty migration.

