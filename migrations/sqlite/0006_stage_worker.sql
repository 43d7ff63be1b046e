-- The worker that claimed a stage last (its lease owner, kept after the lease ends): with
-- each part's peak memory, what an operator needs to see the fleet's memory per worker.
-- Kept in step with ../postgres/0006_stage_worker.sql.
ALTER TABLE stages ADD COLUMN worker TEXT;
