//! `/v1/jobs`: submit, read, list and cancel jobs.

use alloy_consensus::{Block, TxEnvelope};
use alloy_primitives::B256;
use alloy_rlp::Decodable as _;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use stateless::GuestInput;
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, ErrorBody};
use super::AppState;
use crate::model::{job_id, Mode, StageKind, Status};
use crate::store::{CancelOutcome, JobRecord, NewJob, StageRecord};
use crate::worker::ExecuteResult;

/// The highest priority a client may ask for (and the negation, the lowest).
const MAX_PRIORITY: i64 = 1_000;
/// The longest page.
const MAX_PAGE: u32 = 500;

/// A job request: exactly one of `block_number`, `block_hash` and `guest_input`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitJob {
    /// A block of the configured node, by number.
    pub block_number: Option<u64>,
    /// A block of the configured node, by hash (`0x` + 64 hex digits).
    pub block_hash: Option<String>,
    /// A complete guest input (hex of its RLP encoding); no node needed.
    pub guest_input: Option<String>,
    /// `execute` (`prove` is refused until the block proving stages exist).
    pub mode: Mode,
    /// Higher runs first; -1000..=1000, default 0.
    pub priority: Option<i64>,
}

/// Progress of a job.
#[derive(Debug, Serialize, ToSchema)]
pub struct Progress {
    /// Stages finished.
    pub stages_done: usize,
    /// Stages the job runs (witness, execute; or execute alone for a given input).
    pub stages_total: usize,
    /// Guest cycles executed so far by the execute stage.
    pub cycles: i64,
}

/// One stage of a job.
#[derive(Debug, Serialize, ToSchema)]
pub struct StageView {
    /// The stage.
    pub kind: StageKind,
    /// Where it stands.
    pub status: Status,
    /// Claims so far.
    pub attempts: i64,
    /// Claims allowed.
    pub max_attempts: i64,
    /// Work done (cycles, for execute).
    pub progress: i64,
    /// The last error, if any.
    pub error: Option<String>,
    /// Queued at (ms since the epoch).
    pub queued_at: i64,
    /// Last started at.
    pub started_at: Option<i64>,
    /// Ended at.
    pub finished_at: Option<i64>,
    /// Time of the last attempt, start to end, in milliseconds.
    pub duration_ms: Option<i64>,
}

/// A job.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    /// The job id.
    pub id: String,
    /// Where it stands.
    pub status: Status,
    /// The current (or last) stage.
    pub stage: Option<StageKind>,
    /// Progress.
    pub progress: Progress,
    /// Attempts over all stages.
    pub attempts: i64,
    /// The chain id.
    pub chain_id: u64,
    /// The block number.
    pub block_number: u64,
    /// The block hash.
    pub block_hash: String,
    /// The guest program's id.
    pub program_id: String,
    /// The mode.
    pub mode: Mode,
    /// The priority.
    pub priority: i64,
    /// The last error.
    pub error: Option<String>,
    /// The result, once succeeded.
    pub result: Option<ExecuteResult>,
    /// The stored guest input's id.
    pub input_artifact: Option<String>,
    /// Each stage, with its timings.
    pub stages: Vec<StageView>,
    /// Created at (ms since the epoch).
    pub created_at: i64,
    /// Last changed at.
    pub updated_at: i64,
    /// Ended at.
    pub finished_at: Option<i64>,
}

/// A page of jobs.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobList {
    /// The jobs, oldest first.
    pub jobs: Vec<JobView>,
    /// Pass as `from` for the next page; absent on the last.
    pub next: Option<String>,
}

/// The list's filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only jobs with this status.
    pub status: Option<String>,
    /// The `next` cursor of the previous page.
    pub from: Option<String>,
    /// Jobs per page, 1..=500 (default 50).
    pub limit: Option<u32>,
}

/// Submit a block: the same (chain, block hash, program, mode) always gives the same job.
#[utoipa::path(
    post, path = "/v1/jobs", tag = "jobs", request_body = SubmitJob,
    responses(
        (status = 201, description = "Created", body = JobView),
        (status = 200, description = "The job already existed", body = JobView),
        (status = 400, description = "Malformed JSON or unknown fields", body = ErrorBody),
        (status = 401, description = "Missing or wrong API key", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 422, description = "Not a block this service can run", body = ErrorBody),
        (status = 429, description = "The queue is full", body = ErrorBody),
        (status = 503, description = "The node or the database is unavailable", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub(super) async fn submit_job(
    State(state): State<AppState>,
    body: Result<Json<SubmitJob>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<JobView>), ApiError> {
    let Json(request) = body?;
    if request.mode == Mode::Prove {
        return Err(ApiError::unprocessable(
            "unsupported_mode",
            "mode `prove` is not available yet: the block proving stages have not landed",
        ));
    }
    let priority = request.priority.unwrap_or(0);
    if !(-MAX_PRIORITY..=MAX_PRIORITY).contains(&priority) {
        return Err(ApiError::unprocessable(
            "bad_priority",
            format!("priority must lie in -{MAX_PRIORITY}..={MAX_PRIORITY}"),
        ));
    }
    let given = [
        request.block_number.is_some(),
        request.block_hash.is_some(),
        request.guest_input.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(ApiError::unprocessable(
            "bad_block_reference",
            "give exactly one of block_number, block_hash and guest_input",
        ));
    }
    let mut job = NewJob {
        chain_id: 0,
        block_number: 0,
        block_hash: B256::ZERO,
        program_id: state.program_id.clone(),
        mode: request.mode,
        priority,
        input_artifact: None,
        max_attempts: i64::from(state.config.max_attempts),
    };
    // A guest input's encoding, stored only once the job is known to be new.
    let mut new_input = None;
    if let Some(hex_input) = &request.guest_input {
        let input = decode_guest_input(hex_input)?;
        let block = Block::<TxEnvelope>::decode(&mut input.block.as_ref()).map_err(|e| {
            ApiError::unprocessable("bad_guest_input", format!("the block does not decode: {e}"))
        })?;
        job.chain_id = input.chain.chain_id;
        job.block_number = block.header.number;
        job.block_hash = block.header.hash_slow();
        new_input = Some(input.to_bytes());
    } else {
        let node = state.node.as_ref().ok_or_else(|| {
            ApiError::unprocessable(
                "no_node",
                "no node is configured (rpc_url): submit a guest_input instead",
            )
        })?;
        let (hash, number) = if let Some(number) = request.block_number {
            if i64::try_from(number).is_err() {
                return Err(ApiError::unprocessable(
                    "block_not_found",
                    format!("block {number} is beyond any chain"),
                ));
            }
            let (hash, _) = node.header_by_number(number).await?.ok_or_else(|| {
                ApiError::unprocessable(
                    "block_not_found",
                    format!("block {number} is not on the node"),
                )
            })?;
            (hash, number)
        } else {
            let text = request.block_hash.as_deref().unwrap_or_default();
            let hash: B256 = text.parse().map_err(|_| {
                ApiError::unprocessable("bad_block_hash", format!("`{text}` is not a block hash"))
            })?;
            let header = node.header_by_hash(hash).await?.ok_or_else(|| {
                ApiError::unprocessable(
                    "block_not_found",
                    format!("block {hash} is not on the node"),
                )
            })?;
            (hash, header.number)
        };
        job.chain_id = state.chain_id(node).await?;
        job.block_number = number;
        job.block_hash = hash;
    }
    // An existing job is answered before the queue is checked or the input stored.
    if let Some(existing) = existing_or_full(&state, &job).await? {
        return Ok((StatusCode::OK, Json(view(existing))));
    }
    if let Some(bytes) = new_input {
        let artifacts = state.artifacts.clone();
        let id = tokio::task::spawn_blocking(move || artifacts.put(&bytes))
            .await
            .map_err(|e| {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
            })?
            .map_err(|e| {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", e.to_string())
            })?;
        job.input_artifact = Some(id);
    }
    let (record, created) = state.store.submit(&job).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(view(record))))
}

/// The job `job` names when it already exists (asking again is idempotent, even with a
/// full queue); otherwise 429 when the queue is full.
async fn existing_or_full(state: &AppState, job: &NewJob) -> Result<Option<JobRecord>, ApiError> {
    let id = job_id(job.chain_id, job.block_hash, &job.program_id, job.mode);
    if let Some(existing) = state.store.get(&id).await? {
        return Ok(Some(existing));
    }
    if state.store.queue_depth().await? >= state.config.max_queued {
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "queue_full",
            format!("{} stages are queued; retry later", state.config.max_queued),
        ));
    }
    Ok(None)
}

fn decode_guest_input(text: &str) -> Result<GuestInput, ApiError> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    let bytes = hex::decode(digits)
        .map_err(|e| ApiError::unprocessable("bad_guest_input", format!("not hex: {e}")))?;
    GuestInput::from_bytes(&bytes)
        .map_err(|e| ApiError::unprocessable("bad_guest_input", format!("not a guest input: {e}")))
}

/// A job with its stages, progress, timings and result.
#[utoipa::path(
    get, path = "/v1/jobs/{id}", tag = "jobs",
    params(("id" = String, Path, description = "The job id")),
    responses(
        (status = 200, description = "The job", body = JobView),
        (status = 404, description = "No such job", body = ErrorBody),
    )
)]
pub(super) async fn get_job(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    let job =
        state.store.get(&id).await?.ok_or_else(|| ApiError::not_found(format!("no job {id}")))?;
    Ok(Json(view(job)))
}

/// Jobs, oldest first, a page at a time.
#[utoipa::path(
    get, path = "/v1/jobs", tag = "jobs", params(ListQuery),
    responses(
        (status = 200, description = "A page of jobs", body = JobList),
        (status = 400, description = "Bad filter or cursor", body = ErrorBody),
    )
)]
pub(super) async fn list_jobs(
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<JobList>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request("bad_query", e.body_text()))?;
    let status =
        match query.status.as_deref() {
            None | Some("") => None,
            Some(name) => Some(Status::parse(name).ok_or_else(|| {
                ApiError::bad_request("bad_status", format!("no status `{name}`"))
            })?),
        };
    let limit = query.limit.unwrap_or(50);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::bad_request(
            "bad_limit",
            format!("limit must lie in 1..={MAX_PAGE}"),
        ));
    }
    if let Some(cursor) = &query.from {
        let valid = cursor
            .split_once('.')
            .is_some_and(|(time, id)| time.parse::<i64>().is_ok() && !id.is_empty());
        if !valid {
            return Err(ApiError::bad_request("bad_cursor", format!("`{cursor}` is not a cursor")));
        }
    }
    let page = state.store.list(status, query.from.as_deref(), limit).await?;
    Ok(Json(JobList { jobs: page.jobs.into_iter().map(view).collect(), next: page.next }))
}

/// Cancels a job; a running stage stops within about a second and frees its worker.
#[utoipa::path(
    post, path = "/v1/jobs/{id}/cancel", tag = "jobs",
    params(("id" = String, Path, description = "The job id")),
    responses(
        (status = 200, description = "Cancelled", body = JobView),
        (status = 401, description = "Missing or wrong API key", body = ErrorBody),
        (status = 404, description = "No such job", body = ErrorBody),
        (status = 409, description = "The job has already ended", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub(super) async fn cancel_job(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<JobView>, ApiError> {
    match state.store.cancel(&id, "cancelled by a client").await? {
        CancelOutcome::Cancelled(job) => Ok(Json(view(*job))),
        CancelOutcome::AlreadyFinal(status) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "already_final",
            format!("job {id} has already ended ({})", status.as_str()),
        )),
        CancelOutcome::NotFound => Err(ApiError::not_found(format!("no job {id}"))),
    }
}

fn view(job: JobRecord) -> JobView {
    let stages_total =
        if job.stages.first().is_some_and(|s| s.kind == StageKind::Execute) { 1 } else { 2 };
    let cycles = job
        .stages
        .iter()
        .filter(|s| s.kind == StageKind::Execute)
        .map(|s| s.progress)
        .max()
        .unwrap_or(0);
    let stages_done = job.stages.iter().filter(|s| s.status == Status::Succeeded).count();
    let result = job.result.as_deref().and_then(|r| serde_json::from_str(r).ok());
    JobView {
        progress: Progress { stages_done, stages_total, cycles },
        attempts: job.stages.iter().map(|s| s.attempts).sum(),
        id: job.id,
        status: job.status,
        stage: job.stage,
        chain_id: job.chain_id,
        block_number: job.block_number,
        block_hash: job.block_hash,
        program_id: job.program_id,
        mode: job.mode,
        priority: job.priority,
        error: job.error,
        result,
        input_artifact: job.input_artifact,
        stages: job.stages.into_iter().map(stage_view).collect(),
        created_at: job.created_at,
        updated_at: job.updated_at,
        finished_at: job.finished_at,
    }
}

fn stage_view(stage: StageRecord) -> StageView {
    let duration_ms = match (stage.started_at, stage.finished_at) {
        (Some(start), Some(end)) => Some(end - start),
        _ => None,
    };
    StageView {
        kind: stage.kind,
        status: stage.status,
        attempts: stage.attempts,
        max_attempts: stage.max_attempts,
        progress: stage.progress,
        error: stage.error,
        queued_at: stage.created_at,
        started_at: stage.started_at,
        finished_at: stage.finished_at,
        duration_ms,
    }
}
