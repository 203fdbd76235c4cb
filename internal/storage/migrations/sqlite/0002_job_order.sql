-- The SQLite twin of postgres/0002_job_order.sql.

CREATE TABLE job_order (
    job_id       INTEGER PRIMARY KEY,
    ordering_key VARCHAR(255) NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX job_order_key_idx ON job_order (ordering_key, job_id);
