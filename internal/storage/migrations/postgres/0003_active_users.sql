-- The active users by id. Round-robin joins a role's assignments to the
-- users that are still active; with this partial index that join reads
-- only the index (an index-only scan on PostgreSQL) instead of one users
-- row per assignment.
CREATE INDEX users_active_id_idx ON users (id) WHERE is_active;
