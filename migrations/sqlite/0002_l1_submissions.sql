-- The L1 submitter's record: one row per (rollup contract, L2 block), written before any
-- transaction is broadcast, so that a restart neither submits a block twice nor skips
-- one, and the submitter's lease, so that one process submits per rollup.
-- Kept in step with ../postgres/0002_l1_submissions.sql.
CREATE TABLE l1_submissions (
    rollup          TEXT NOT NULL,
    block_number    INTEGER NOT NULL,
    block_hash      TEXT NOT NULL,
    job_id          TEXT,
    calldata        TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    nonce           INTEGER,
    tx_hash         TEXT,
    raw_tx          TEXT,
    tx_hashes       TEXT NOT NULL,
    max_fee         TEXT,
    sent_at         INTEGER,
    l1_block        INTEGER,
    gas_used        INTEGER,
    error           TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (rollup, block_number)
);
CREATE INDEX l1_submissions_job ON l1_submissions (job_id);

CREATE TABLE l1_submitter_leases (
    rollup     TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
