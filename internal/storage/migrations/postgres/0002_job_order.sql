-- Per-entity order of the sync and event jobs. The jobs themselves are rows
-- of River's river_job table (created by River's own migrations, which
-- Migrate runs after these files). A row here exists from the transaction
-- that writes the job until the job is published or discarded; a job runs
-- only when no row with the same ordering key and a lower job id is left.
-- There is no foreign key to river_job: River rebuilds that table in some
-- of its migrations.

CREATE TABLE job_order (
    job_id       BIGINT PRIMARY KEY,
    ordering_key VARCHAR(255) NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX job_order_key_idx ON job_order (ordering_key, job_id);
