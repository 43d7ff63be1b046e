-- The peak resident memory, in MiB, of the prover process that proved a part, recorded
-- when the part succeeds: what the stage really needed, beside the budget a worker
-- reserved for it (`--max-memory`).
-- Kept in step with ../postgres/0005_stage_peak_memory.sql.
ALTER TABLE stages ADD COLUMN peak_mib BIGINT;
