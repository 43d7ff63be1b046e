//! The work queue: each stage is a row that a worker claims in a transaction and holds
//! under a lease that its heartbeats extend. A stage whose lease runs out (its worker
//! died) is queued again, or failed once its attempts are spent; a failed attempt is
//! retried after an exponential backoff. Every write after the claim is conditional on
//! the caller still holding the lease, so a stage completes at most once.
//!
//! A prove job fans out after `execute` into one stage per part of its proof; a part's
//! stage waits until the stages of its children have succeeded, and is queued by the
//! completion that proves its last child (completions of one job are serialized, so
//! none is missed). A stage that fails for good fails its job and cancels the rest.

use sqlx::Row as _;

use super::jobs::{end_job, insert_stage, parse_kind, parse_mode, stage_id, NewStage};
use super::{to_u64, Backend, JobStore, StoreError};
use crate::model::{now_ms, Mode, StageKind, Status};

/// A stage a worker holds.
#[derive(Debug, Clone)]
pub struct ClaimedStage {
    /// The stage row's id.
    pub id: String,
    /// Its job.
    pub job_id: String,
    /// What to do.
    pub kind: StageKind,
    /// The proof part, for a part's stage.
    pub part: Option<String>,
    /// This claim's number (1 for the first).
    pub attempt: i64,
    /// Claims allowed.
    pub max_attempts: i64,
    /// The artifact the stage reads, if any.
    pub input_artifact: Option<String>,
    /// The job's chain id.
    pub chain_id: u64,
    /// The job's block number.
    pub block_number: u64,
    /// The job's block hash.
    pub block_hash: String,
    /// The job's priority.
    pub priority: i64,
    /// The job's mode.
    pub mode: Mode,
    /// The job's program id.
    pub program_id: String,
    /// The stored ELF of a generic job's program (`None`: the block-validator).
    pub program_artifact: Option<String>,
}

/// A stage of a prove job's plan: a part of the proof and the parts it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedStage {
    /// The stage kind.
    pub kind: StageKind,
    /// The part's name.
    pub part: String,
    /// Its children's part names, in order.
    pub children: Vec<String>,
}

/// How a stage ended well.
#[derive(Debug, Clone)]
pub enum StageOutcome {
    /// Queue the proof's parts, every one reading `input` (the job's input): those
    /// without children at once, the others once their children are proved.
    Planned {
        /// The job's input artifact.
        input: String,
        /// The parts, each after its children.
        stages: Vec<PlannedStage>,
    },
    /// A part is proved: its SNARK is `artifact`, and the parts waiting for it may be
    /// ready.
    Proved {
        /// The stored SNARK.
        artifact: String,
    },
    /// Queue stage `kind` next, reading `artifact` (this stage's output).
    Next {
        /// The next stage.
        kind: StageKind,
        /// This stage's output and the next one's input.
        artifact: String,
    },
    /// The job is done with this result (JSON), also stored as `artifact`.
    Finished {
        /// The result, as JSON.
        result: String,
        /// The stored result.
        artifact: String,
    },
}

impl JobStore {
    /// Claims the most urgent ready stage of one of `kinds` (a worker's memory budget
    /// decides which it may run), for `owner`, with a lease of `lease_ms`. On
    /// PostgreSQL concurrent claimers skip each other's locked rows.
    pub async fn claim(
        &self,
        owner: &str,
        lease_ms: i64,
        kinds: &[StageKind],
    ) -> Result<Option<ClaimedStage>, StoreError> {
        if kinds.is_empty() {
            return Ok(None);
        }
        // The names are this crate's constants, never a client's text.
        let kinds =
            kinds.iter().map(|k| format!("'{}'", k.as_str())).collect::<Vec<_>>().join(", ");
        let now = now_ms();
        let lock = match self.backend {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            // SQLite serializes writers: the single UPDATE is the claim.
            Backend::Sqlite => "",
        };
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(&format!(
            "UPDATE stages SET status = 'running', lease_owner = $1, worker = $1, \
             lease_expires_at = $2, attempts = attempts + 1, started_at = $3, progress = 0 \
             WHERE id = (SELECT id FROM stages WHERE status = 'queued' AND available_at <= $3 \
                         AND kind IN ({kinds}) ORDER BY priority DESC, created_at, seq, id \
                         LIMIT 1 {lock}) \
             AND status = 'queued' \
             RETURNING id, job_id, kind, part, attempts, max_attempts, input_artifact"
        ))
        .bind(owner)
        .bind(now + lease_ms)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.commit().await?;
            return Ok(None);
        };
        let job_id: String = row.try_get("job_id")?;
        let kind = parse_kind(&row.try_get::<String, _>("kind")?)?;
        sqlx::query(
            "UPDATE jobs SET status = 'running', stage = $2, updated_at = $3 \
             WHERE id = $1 AND status IN ('queued', 'running')",
        )
        .bind(&job_id)
        .bind(kind.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let job = sqlx::query(
            "SELECT chain_id, block_number, block_hash, priority, mode, program_id, \
             program_artifact FROM jobs WHERE id = $1",
        )
        .bind(&job_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(ClaimedStage {
            id: row.try_get("id")?,
            kind,
            part: row.try_get("part")?,
            attempt: row.try_get("attempts")?,
            max_attempts: row.try_get("max_attempts")?,
            input_artifact: row.try_get("input_artifact")?,
            chain_id: to_u64(job.try_get("chain_id")?)?,
            block_number: to_u64(job.try_get("block_number")?)?,
            block_hash: job.try_get("block_hash")?,
            priority: job.try_get("priority")?,
            mode: parse_mode(&job.try_get::<String, _>("mode")?)?,
            program_id: job.try_get("program_id")?,
            program_artifact: job.try_get("program_artifact")?,
            job_id,
        }))
    }

    /// Extends `owner`'s lease on `stage` and records its progress. `false`: the lease
    /// is gone (expired and taken over, or the job was cancelled); stop working.
    pub async fn heartbeat(
        &self,
        stage: &ClaimedStage,
        owner: &str,
        lease_ms: i64,
        progress: i64,
    ) -> Result<bool, StoreError> {
        let updated = sqlx::query(
            "UPDATE stages SET lease_expires_at = $3, progress = $4 \
             WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
        )
        .bind(&stage.id)
        .bind(owner)
        .bind(now_ms() + lease_ms)
        .bind(progress)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(updated == 1)
    }

    /// Records the peak resident memory, in MiB, of the prover process that proved
    /// `stage` (a proof part that succeeded).
    pub async fn record_peak(&self, stage_id: &str, peak_mib: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE stages SET peak_mib = $2 WHERE id = $1 AND status = 'succeeded'")
            .bind(stage_id)
            .bind(peak_mib)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends `stage` well: queues the next stage or finishes the job. `false`: the lease
    /// was lost, and nothing was written.
    pub async fn complete(
        &self,
        stage: &ClaimedStage,
        owner: &str,
        progress: i64,
        outcome: &StageOutcome,
    ) -> Result<bool, StoreError> {
        let now = now_ms();
        let artifact = match outcome {
            StageOutcome::Next { artifact, .. }
            | StageOutcome::Finished { artifact, .. }
            | StageOutcome::Proved { artifact } => artifact,
            StageOutcome::Planned { input, .. } => input,
        };
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            // One completion of a job at a time: each then sees the others' children
            // proved, and the last one queues the part waiting for them.
            sqlx::query("SELECT id FROM jobs WHERE id = $1 FOR UPDATE")
                .bind(&stage.job_id)
                .fetch_optional(&mut *tx)
                .await?;
        }
        let updated = sqlx::query(
            "UPDATE stages SET status = 'succeeded', lease_owner = NULL, finished_at = $3, \
             output_artifact = $4, progress = $5, error = NULL \
             WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
        )
        .bind(&stage.id)
        .bind(owner)
        .bind(now)
        .bind(artifact)
        .bind(progress)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        match outcome {
            StageOutcome::Next { kind, artifact } => {
                let next = NewStage {
                    kind: *kind,
                    part: None,
                    waiting: false,
                    seq: 0,
                    priority: stage.priority,
                    max_attempts: stage.max_attempts,
                    input_artifact: Some(artifact),
                };
                insert_stage(&mut tx, &stage.job_id, &next, now).await?;
                sqlx::query(
                    "UPDATE jobs SET status = 'queued', stage = $2, input_artifact = $3, \
                     updated_at = $4 WHERE id = $1",
                )
                .bind(&stage.job_id)
                .bind(kind.as_str())
                .bind(artifact)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            StageOutcome::Planned { input, stages } => {
                for (seq, planned) in (1i64..).zip(stages) {
                    let new = NewStage {
                        kind: planned.kind,
                        part: Some(&planned.part),
                        waiting: !planned.children.is_empty(),
                        seq,
                        priority: stage.priority,
                        max_attempts: stage.max_attempts,
                        input_artifact: Some(input),
                    };
                    insert_stage(&mut tx, &stage.job_id, &new, now).await?;
                    let id = stage_id(&stage.job_id, planned.kind, Some(&planned.part));
                    for (position, child) in (0i64..).zip(&planned.children) {
                        let kind =
                            stages.iter().find(|s| &s.part == child).map(|s| s.kind).ok_or_else(
                                || {
                                    StoreError::Corrupt(format!(
                                        "{} takes unplanned {child}",
                                        planned.part
                                    ))
                                },
                            )?;
                        sqlx::query(
                            "INSERT INTO stage_deps (stage_id, dep_id, position) VALUES ($1, $2, $3)",
                        )
                        .bind(&id)
                        .bind(stage_id(&stage.job_id, kind, Some(child)))
                        .bind(position)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                sqlx::query(
                    "UPDATE jobs SET status = 'queued', input_artifact = $2, updated_at = $3 \
                     WHERE id = $1",
                )
                .bind(&stage.job_id)
                .bind(input)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            StageOutcome::Proved { .. } => {
                sqlx::query(
                    "UPDATE stages SET status = 'queued', available_at = $2 \
                     WHERE job_id = $1 AND status = 'waiting' AND NOT EXISTS ( \
                         SELECT 1 FROM stage_deps d JOIN stages s ON s.id = d.dep_id \
                         WHERE d.stage_id = stages.id AND s.status <> 'succeeded')",
                )
                .bind(&stage.job_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                refresh_job_status(&mut tx, &stage.job_id, now).await?;
            }
            StageOutcome::Finished { result, .. } => {
                sqlx::query(
                    "UPDATE jobs SET status = 'succeeded', result = $2, error = NULL, \
                     updated_at = $3, finished_at = $3 WHERE id = $1",
                )
                .bind(&stage.job_id)
                .bind(result)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Records that this attempt at `stage` failed with `error`. A `retryable` error with
    /// attempts left queues the stage again after `backoff_ms << (attempt - 1)`; any
    /// other fails the stage and its job. `false`: the lease was lost.
    pub async fn fail(
        &self,
        stage: &ClaimedStage,
        owner: &str,
        error: &str,
        retryable: bool,
        backoff_ms: i64,
    ) -> Result<bool, StoreError> {
        let now = now_ms();
        let retry = retryable && stage.attempt < stage.max_attempts;
        let mut tx = self.pool.begin().await?;
        let updated = if retry {
            let shift = u32::try_from(stage.attempt.clamp(1, 16) - 1).unwrap_or(0);
            let delay = backoff_ms.saturating_mul(1 << shift);
            sqlx::query(
                "UPDATE stages SET status = 'queued', lease_owner = NULL, \
                 lease_expires_at = NULL, available_at = $3, error = $4 \
                 WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
            )
            .bind(&stage.id)
            .bind(owner)
            .bind(now.saturating_add(delay))
            .bind(error)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        } else {
            sqlx::query(
                "UPDATE stages SET status = 'failed', lease_owner = NULL, finished_at = $3, \
                 error = $4 WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
            )
            .bind(&stage.id)
            .bind(owner)
            .bind(now)
            .bind(error)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        };
        if updated != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        if retry {
            sqlx::query("UPDATE jobs SET error = $2, updated_at = $3 WHERE id = $1")
                .bind(&stage.job_id)
                .bind(error)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            refresh_job_status(&mut tx, &stage.job_id, now).await?;
        } else {
            fail_job(&mut tx, &stage.job_id, error, now).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Hands `stage` back unfinished (its worker is shutting down): queued again at once,
    /// and the attempt does not count. `false`: the lease was already gone.
    pub async fn release(&self, stage: &ClaimedStage, owner: &str) -> Result<bool, StoreError> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE stages SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, \
             available_at = $3, attempts = attempts - 1 \
             WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
        )
        .bind(&stage.id)
        .bind(owner)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 1 {
            refresh_job_status(&mut tx, &stage.job_id, now).await?;
        }
        tx.commit().await?;
        Ok(updated == 1)
    }

    /// Takes back every stage whose lease has run out: queued again with attempts left,
    /// failed (with its job) without. Returns how many stages were taken back.
    pub async fn requeue_expired(&self) -> Result<u64, StoreError> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let exhausted = sqlx::query(
            "UPDATE stages SET status = 'failed', lease_owner = NULL, finished_at = $1, \
             error = 'the worker was lost (lease expired) on the last attempt' \
             WHERE status = 'running' AND lease_expires_at < $1 AND attempts >= max_attempts \
             RETURNING job_id",
        )
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        for row in &exhausted {
            let job_id: String = row.try_get(0)?;
            let error = "the worker was lost (lease expired) on the last attempt";
            fail_job(&mut tx, &job_id, error, now).await?;
        }
        let requeued = sqlx::query(
            "UPDATE stages SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, \
             available_at = $1, error = 'the worker was lost (lease expired); requeued' \
             WHERE status = 'running' AND lease_expires_at < $1 \
             RETURNING job_id",
        )
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
        for row in &requeued {
            refresh_job_status(&mut tx, &row.try_get::<String, _>(0)?, now).await?;
        }
        tx.commit().await?;
        Ok((exhausted.len() + requeued.len()) as u64)
    }

    /// The output artifacts of the stages `stage` takes (its proof part's children), in
    /// order.
    pub async fn child_outputs(&self, stage: &ClaimedStage) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.output_artifact, s.status FROM stage_deps d JOIN stages s ON s.id = d.dep_id \
             WHERE d.stage_id = $1 ORDER BY d.position",
        )
        .bind(&stage.id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let artifact: Option<String> = row.try_get(0)?;
                artifact.ok_or_else(|| {
                    StoreError::Corrupt(format!("a child of {} has no output", stage.id))
                })
            })
            .collect()
    }
}

/// The job is running while one of its stages is, queued otherwise (unless it ended).
async fn refresh_job_status(
    conn: &mut sqlx::AnyConnection,
    job_id: &str,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE jobs SET updated_at = $2, status = CASE WHEN EXISTS ( \
             SELECT 1 FROM stages WHERE job_id = $1 AND status = 'running') \
             THEN 'running' ELSE 'queued' END \
         WHERE id = $1 AND status IN ('queued', 'running')",
    )
    .bind(job_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Fails the job with `error` and cancels its other stages (a running one stops at its
/// next heartbeat).
async fn fail_job(
    conn: &mut sqlx::AnyConnection,
    job_id: &str,
    error: &str,
    now: i64,
) -> Result<(), StoreError> {
    end_job(conn, job_id, Status::Failed, error, now).await?;
    Ok(())
}
