-- Jobs, their stages (the unit a worker claims) and the blocks the follower has seen.
-- Times are milliseconds since the Unix epoch. Kept in step with ../postgres/0001_jobs.sql.
CREATE TABLE jobs (
    id             TEXT PRIMARY KEY,
    chain_id       INTEGER NOT NULL,
    block_number   INTEGER NOT NULL,
    block_hash     TEXT NOT NULL,
    program_id     TEXT NOT NULL,
    mode           TEXT NOT NULL,
    priority       INTEGER NOT NULL,
    status         TEXT NOT NULL,
    stage          TEXT,
    input_artifact TEXT,
    result         TEXT,
    error          TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    finished_at    INTEGER,
    UNIQUE (chain_id, block_hash, program_id, mode)
);
CREATE INDEX jobs_status_created ON jobs (status, created_at);
CREATE INDEX jobs_block_hash ON jobs (block_hash);

CREATE TABLE stages (
    id               TEXT PRIMARY KEY,
    job_id           TEXT NOT NULL REFERENCES jobs (id),
    kind             TEXT NOT NULL,
    status           TEXT NOT NULL,
    priority         INTEGER NOT NULL,
    attempts         INTEGER NOT NULL,
    max_attempts     INTEGER NOT NULL,
    available_at     INTEGER NOT NULL,
    lease_owner      TEXT,
    lease_expires_at INTEGER,
    input_artifact   TEXT,
    output_artifact  TEXT,
    progress         INTEGER NOT NULL,
    error            TEXT,
    created_at       INTEGER NOT NULL,
    started_at       INTEGER,
    finished_at      INTEGER
);
CREATE INDEX stages_claim ON stages (status, available_at, priority);
CREATE INDEX stages_job ON stages (job_id);

CREATE TABLE followed_blocks (
    chain_id     INTEGER NOT NULL,
    block_number INTEGER NOT NULL,
    block_hash   TEXT NOT NULL,
    job_id       TEXT NOT NULL,
    PRIMARY KEY (chain_id, block_number)
);
