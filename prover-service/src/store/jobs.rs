//! Jobs: idempotent submission, reads, the paginated list, cancellation and the counts
//! behind the metrics.

use alloy_primitives::B256;
use sqlx::any::AnyRow;
use sqlx::Row as _;

use super::{to_i64, to_u64, JobStore, StoreError};
use crate::model::{job_id, now_ms, Mode, StageKind, Status};

/// A job to submit.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// The chain the block belongs to.
    pub chain_id: u64,
    /// The block's number.
    pub block_number: u64,
    /// The block's hash.
    pub block_hash: B256,
    /// The guest program that runs it.
    pub program_id: String,
    /// What the job produces.
    pub mode: Mode,
    /// Higher runs first.
    pub priority: i64,
    /// A guest input already stored (the job then starts at `execute`); without one it
    /// starts at `witness`, from the node.
    pub input_artifact: Option<String>,
    /// Attempts each stage gets.
    pub max_attempts: i64,
    /// The stored ELF of an uploaded program (a generic job); `None` for a block job,
    /// which runs the block-validator.
    pub program_artifact: Option<String>,
}

/// A job as stored.
#[derive(Debug, Clone)]
pub struct JobRecord {
    /// The job id (see [`crate::model::job_id`]).
    pub id: String,
    /// The chain id.
    pub chain_id: u64,
    /// The block number.
    pub block_number: u64,
    /// The block hash.
    pub block_hash: String,
    /// The program id.
    pub program_id: String,
    /// The mode.
    pub mode: Mode,
    /// The priority.
    pub priority: i64,
    /// Where the job stands.
    pub status: Status,
    /// The stage it is at (or ended at).
    pub stage: Option<StageKind>,
    /// The stored guest input, once there is one.
    pub input_artifact: Option<String>,
    /// The stored ELF of a generic job's program (`None`: a block job).
    pub program_artifact: Option<String>,
    /// The result (JSON), once succeeded.
    pub result: Option<String>,
    /// The last error.
    pub error: Option<String>,
    /// When it was created (ms since the epoch).
    pub created_at: i64,
    /// When it last changed.
    pub updated_at: i64,
    /// When it ended.
    pub finished_at: Option<i64>,
    /// Its stages, in the order they were created.
    pub stages: Vec<StageRecord>,
}

/// One stage of a job, as stored.
#[derive(Debug, Clone)]
pub struct StageRecord {
    /// The stage kind.
    pub kind: StageKind,
    /// The proof part it proves (`segment-0`, `leaf-0`, `wrapper`, …), for a part's stage.
    pub part: Option<String>,
    /// Where it stands.
    pub status: Status,
    /// Claims so far.
    pub attempts: i64,
    /// Claims allowed.
    pub max_attempts: i64,
    /// Work done (cycles, for `execute`).
    pub progress: i64,
    /// The last error.
    pub error: Option<String>,
    /// Created (ms).
    pub created_at: i64,
    /// Last claimed (ms).
    pub started_at: Option<i64>,
    /// Ended (ms).
    pub finished_at: Option<i64>,
    /// The peak resident memory of the prover that proved the part, in MiB.
    pub peak_mib: Option<i64>,
    /// The worker that claimed it last (its lease owner: host, process, worker loop).
    pub worker: Option<String>,
    /// Its output artifact.
    pub output_artifact: Option<String>,
}

/// One page of the job list.
#[derive(Debug, Clone)]
pub struct JobPage {
    /// The jobs, oldest first.
    pub jobs: Vec<JobRecord>,
    /// The cursor of the next page, when there is one.
    pub next: Option<String>,
}

/// What cancelling did.
#[derive(Debug, Clone)]
pub enum CancelOutcome {
    /// The job is now cancelled.
    Cancelled(Box<JobRecord>),
    /// The job had already ended with this status.
    AlreadyFinal(Status),
    /// No such job.
    NotFound,
}

const JOB_COLUMNS: &str = "id, chain_id, block_number, block_hash, program_id, mode, priority, \
     status, stage, input_artifact, program_artifact, result, error, created_at, updated_at, \
     finished_at";
const STAGE_COLUMNS: &str = "kind, part, status, attempts, max_attempts, progress, error, \
     created_at, started_at, finished_at, peak_mib, worker, output_artifact";

impl JobStore {
    /// Submits `job`: creates it with its first stage queued, or, when a job with the
    /// same key exists, returns that one. The flag says whether it was created.
    pub async fn submit(&self, job: &NewJob) -> Result<(JobRecord, bool), StoreError> {
        let id = job_id(job.chain_id, job.block_hash, &job.program_id, job.mode);
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO jobs (id, chain_id, block_number, block_hash, program_id, mode, \
             priority, status, stage, input_artifact, program_artifact, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8, $9, $10, $11, $11) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&id)
        .bind(to_i64(job.chain_id)?)
        .bind(to_i64(job.block_number)?)
        .bind(job.block_hash.to_string())
        .bind(&job.program_id)
        .bind(job.mode.as_str())
        .bind(job.priority)
        .bind(first_stage(job).as_str())
        .bind(job.input_artifact.clone())
        .bind(job.program_artifact.clone())
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if inserted {
            let stage = NewStage {
                kind: first_stage(job),
                part: None,
                waiting: false,
                seq: 0,
                priority: job.priority,
                max_attempts: job.max_attempts,
                input_artifact: job.input_artifact.as_deref(),
            };
            insert_stage(&mut tx, &id, &stage, now).await?;
        }
        tx.commit().await?;
        let record = self
            .get(&id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("job {id} vanished after submit")))?;
        Ok((record, inserted))
    }

    /// The job `id` with its stages.
    pub async fn get(&self, id: &str) -> Result<Option<JobRecord>, StoreError> {
        let row = sqlx::query(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let mut job = job_from_row(&row)?;
        let stages = sqlx::query(&format!(
            "SELECT {STAGE_COLUMNS} FROM stages WHERE job_id = $1 ORDER BY created_at, seq, id"
        ))
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        job.stages = stages.iter().map(stage_from_row).collect::<Result<_, _>>()?;
        Ok(Some(job))
    }

    /// Up to `limit` jobs, oldest first, with `status` if given, after the cursor `from`
    /// (the `next` of the previous page).
    pub async fn list(
        &self,
        status: Option<Status>,
        from: Option<&str>,
        limit: u32,
    ) -> Result<JobPage, StoreError> {
        let (after_time, after_id) = match from {
            Some(cursor) => parse_cursor(cursor)
                .ok_or_else(|| StoreError::Corrupt(format!("bad cursor `{cursor}`")))?,
            None => (i64::MIN, String::new()),
        };
        let rows = sqlx::query(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs \
             WHERE ($1 = '' OR status = $1) AND (created_at > $2 OR (created_at = $2 AND id > $3)) \
             ORDER BY created_at, id LIMIT $4"
        ))
        .bind(status.map_or("", Status::as_str))
        .bind(after_time)
        .bind(after_id)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let mut jobs = rows.iter().map(job_from_row).collect::<Result<Vec<_>, _>>()?;
        let next = if jobs.len() > limit as usize {
            jobs.truncate(limit as usize);
            jobs.last().map(|j| format!("{}.{}", j.created_at, j.id))
        } else {
            None
        };
        Ok(JobPage { jobs, next })
    }

    /// Cancels job `id` and its unfinished stages. A worker running one of them loses
    /// its lease at its next heartbeat and stops.
    pub async fn cancel(&self, id: &str, reason: &str) -> Result<CancelOutcome, StoreError> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let updated = end_job(&mut tx, id, Status::Cancelled, reason, now).await?;
        tx.commit().await?;
        match self.get(id).await? {
            None => Ok(CancelOutcome::NotFound),
            Some(job) if updated => Ok(CancelOutcome::Cancelled(Box::new(job))),
            Some(job) => Ok(CancelOutcome::AlreadyFinal(job.status)),
        }
    }

    /// The number of jobs per status.
    pub async fn count_by_status(&self) -> Result<Vec<(Status, i64)>, StoreError> {
        let rows = sqlx::query("SELECT status, COUNT(*) FROM jobs GROUP BY status")
            .fetch_all(&self.pool)
            .await?;
        let mut counts: Vec<(Status, i64)> = Status::ALL.iter().map(|s| (*s, 0)).collect();
        for row in rows {
            let status = parse_status(&row.try_get::<String, _>(0)?)?;
            let count: i64 = row.try_get(1)?;
            if let Some(entry) = counts.iter_mut().find(|(s, _)| *s == status) {
                entry.1 = count;
            }
        }
        Ok(counts)
    }

    /// Stages waiting for a worker.
    pub async fn queue_depth(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) FROM stages WHERE status = 'queued'")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }
}

fn first_stage(job: &NewJob) -> StageKind {
    if job.input_artifact.is_some() {
        StageKind::Execute
    } else {
        StageKind::Witness
    }
}

/// A stage to insert.
pub(super) struct NewStage<'a> {
    pub kind: StageKind,
    /// The proof part, for a part's stage (its id is then `job:part`, else `job:kind`).
    pub part: Option<&'a str>,
    /// Inserted `waiting` (its children are not proved yet) rather than `queued`.
    pub waiting: bool,
    /// Its place among the job's stages created together (claims follow it).
    pub seq: i64,
    pub priority: i64,
    pub max_attempts: i64,
    pub input_artifact: Option<&'a str>,
}

/// The id of `job_id`'s stage of `kind`, or of its stage proving `part`.
pub(super) fn stage_id(job_id: &str, kind: StageKind, part: Option<&str>) -> String {
    format!("{job_id}:{}", part.unwrap_or(kind.as_str()))
}

/// Inserts `stage` of `job_id`.
pub(super) async fn insert_stage(
    conn: &mut sqlx::AnyConnection,
    job_id: &str,
    stage: &NewStage<'_>,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO stages (id, job_id, kind, part, status, priority, attempts, max_attempts, \
         available_at, input_artifact, progress, created_at, seq) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8, $9, 0, $8, $10)",
    )
    .bind(stage_id(job_id, stage.kind, stage.part))
    .bind(job_id)
    .bind(stage.kind.as_str())
    .bind(stage.part.map(str::to_string))
    .bind(if stage.waiting { "waiting" } else { "queued" })
    .bind(stage.priority)
    .bind(stage.max_attempts)
    .bind(now)
    .bind(stage.input_artifact.map(str::to_string))
    .bind(stage.seq)
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends job `job_id`, unless it has ended already, as `status` (failed or cancelled)
/// with `error`, and cancels every stage of it that has not ended: a worker running one
/// loses its lease at its next heartbeat and stops. Whether the job was still open.
pub(super) async fn end_job(
    conn: &mut sqlx::AnyConnection,
    job_id: &str,
    status: Status,
    error: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let ended = sqlx::query(
        "UPDATE jobs SET status = $2, error = $3, updated_at = $4, finished_at = $4 \
         WHERE id = $1 AND status IN ('queued', 'running')",
    )
    .bind(job_id)
    .bind(status.as_str())
    .bind(error)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if ended {
        sqlx::query(
            "UPDATE stages SET status = 'cancelled', lease_owner = NULL, finished_at = $2 \
             WHERE job_id = $1 AND status IN ('waiting', 'queued', 'running')",
        )
        .bind(job_id)
        .bind(now)
        .execute(conn)
        .await?;
    }
    Ok(ended)
}

fn parse_cursor(cursor: &str) -> Option<(i64, String)> {
    let (time, id) = cursor.split_once('.')?;
    Some((time.parse().ok()?, id.to_string()))
}

pub(super) fn parse_status(name: &str) -> Result<Status, StoreError> {
    Status::parse(name).ok_or_else(|| StoreError::Corrupt(format!("unknown status `{name}`")))
}

pub(super) fn parse_kind(name: &str) -> Result<StageKind, StoreError> {
    StageKind::parse(name).ok_or_else(|| StoreError::Corrupt(format!("unknown stage `{name}`")))
}

pub(super) fn parse_mode(name: &str) -> Result<Mode, StoreError> {
    Mode::parse(name).ok_or_else(|| StoreError::Corrupt(format!("unknown mode `{name}`")))
}

fn job_from_row(row: &AnyRow) -> Result<JobRecord, StoreError> {
    let mode: String = row.try_get("mode")?;
    let stage: Option<String> = row.try_get("stage")?;
    Ok(JobRecord {
        id: row.try_get("id")?,
        chain_id: to_u64(row.try_get("chain_id")?)?,
        block_number: to_u64(row.try_get("block_number")?)?,
        block_hash: row.try_get("block_hash")?,
        program_id: row.try_get("program_id")?,
        mode: parse_mode(&mode)?,
        priority: row.try_get("priority")?,
        status: parse_status(&row.try_get::<String, _>("status")?)?,
        stage: stage.as_deref().map(parse_kind).transpose()?,
        input_artifact: row.try_get("input_artifact")?,
        program_artifact: row.try_get("program_artifact")?,
        result: row.try_get("result")?,
        error: row.try_get("error")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        finished_at: row.try_get("finished_at")?,
        stages: Vec::new(),
    })
}

fn stage_from_row(row: &AnyRow) -> Result<StageRecord, StoreError> {
    Ok(StageRecord {
        kind: parse_kind(&row.try_get::<String, _>("kind")?)?,
        part: row.try_get("part")?,
        status: parse_status(&row.try_get::<String, _>("status")?)?,
        attempts: row.try_get("attempts")?,
        max_attempts: row.try_get("max_attempts")?,
        progress: row.try_get("progress")?,
        error: row.try_get("error")?,
        created_at: row.try_get("created_at")?,
        started_at: row.try_get("started_at")?,
        finished_at: row.try_get("finished_at")?,
        peak_mib: row.try_get("peak_mib")?,
        worker: row.try_get("worker")?,
        output_artifact: row.try_get("output_artifact")?,
    })
}
