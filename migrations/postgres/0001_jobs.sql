-- Jobs, their stages (the unit a worker claims) and the blocks the follower has seen.
-- Times are milliseconds since the Unix epoch. Kept in step with ../sqlite/0001_jobs.sql.
CREATE TABLE jobs (
    id             TEXT PRIMARY KEY,
    chain_id       BIGINT NOT NULL,
    block_number   BIGINT NOT NULL,
    block_hash     TEXT NOT NULL,
    program_id     TEXT NOT NULL,
    mode           TEXT NOT NULL,
    priority       BIGINT NOT NULL,
    status         TEXT NOT NULL,
    stage          TEXT,
    input_artifact TEXT,
    result         TEXT,
    error          TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    finished_at    BIGINT,
    UNIQUE (chain_id, block_hash, program_id, mode)
);
CREATE INDEX jobs_status_created ON jobs (status, created_at);
CREATE INDEX jobs_block_hash ON jobs (block_hash);

CREATE TABLE stages (
    id               TEXT PRIMARY KEY,
    job_id           TEXT NOT NULL REFERENCES jobs (id),
    kind             TEXT NOT NULL,
    status           TEXT NOT NULL,
    priority         BIGINT NOT NULL,
    attempts         BIGINT NOT NULL,
    max_attempts     BIGINT NOT NULL,
    available_at     BIGINT NOT NULL,
    lease_owner      TEXT,
    lease_expires_at BIGINT,
    input_artifact   TEXT,
    output_artifact  TEXT,
    progress         BIGINT NOT NULL,
    error            TEXT,
    created_at       BIGINT NOT NULL,
    started_at       BIGINT,
    finished_at      BIGINT
);
CREATE INDEX stages_claim ON stages (status, available_at, priority);
CREATE INDEX stages_job ON stages (job_id);

CREATE TABLE followed_blocks (
    chain_id     BIGINT NOT NULL,
    block_number BIGINT NOT NULL,
    block_hash   TEXT NOT NULL,
    job_id       TEXT NOT NULL,
    PRIMARY KEY (chain_id, block_number)
);
