-- A prove job's proof in parts: after `execute`, one stage per part of the proof (each
-- segment, each precompile batch, each node of the tree, the wrapper), named by its
-- part. A part's stage waits (status `waiting`) until every stage it depends on, its
-- children, in `position` order, has succeeded; their output artifacts are its inputs.
-- `seq` orders a job's stages as planned (claims take segments first).
-- Kept in step with ../sqlite/0004_proof_parts.sql.
ALTER TABLE stages ADD COLUMN part TEXT;
ALTER TABLE stages ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;

CREATE TABLE stage_deps (
    stage_id TEXT NOT NULL REFERENCES stages (id),
    dep_id   TEXT NOT NULL REFERENCES stages (id),
    position BIGINT NOT NULL,
    PRIMARY KEY (stage_id, position)
);
CREATE INDEX stage_deps_dep ON stage_deps (dep_id);

-- Stages of the one-piece `prove` kind that came before parts read as the wrapper's (the
-- stage that made the proof). One still open is cancelled, and its job fails.
UPDATE jobs SET status = 'failed', finished_at = updated_at,
    error = 'proofs are now made in parts; this job was queued before them'
    WHERE status IN ('queued', 'running')
    AND id IN (SELECT job_id FROM stages WHERE kind = 'prove' AND status IN ('queued', 'running'));
UPDATE stages SET status = 'cancelled'
    WHERE kind = 'prove' AND status IN ('queued', 'running');
UPDATE stages SET kind = 'wrapper' WHERE kind = 'prove';
