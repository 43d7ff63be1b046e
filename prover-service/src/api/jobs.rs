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
use crate::store::{
    CancelOutcome, JobRecord, NewJob, StageRecord, SubmissionRecord, SubmissionStatus,
};
use crate::worker::{ExecuteResult, ProveResult, PublicValuesView};

/// The highest priority a client may ask for (and the negation, the lowest).
const MAX_PRIORITY: i64 = 1_000;
/// The longest page.
const MAX_PAGE: u32 = 500;

/// A job request: a block (exactly one of `block_number`, `block_hash` and
/// `guest_input`), or a generic program (`program_id` of one uploaded to
/// `/v1/programs`, or its `elf` inline) with its input.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitJob {
    /// A block of the configured node, by number.
    pub block_number: Option<u64>,
    /// A block of the configured node, by hash (`0x` + 64 hex digits).
    pub block_hash: Option<String>,
    /// A complete guest input (hex of its RLP encoding); no node needed.
    pub guest_input: Option<String>,
    /// A generic job: the id of a program uploaded to `POST /v1/programs`.
    pub program_id: Option<String>,
    /// A generic job: the program's ELF, hex (stored as if uploaded).
    pub elf: Option<String>,
    /// A generic job's input stream, hex, already framed (as `abi::io::InputBuilder`
    /// writes it); `frames` are appended to it.
    pub input: Option<String>,
    /// A generic job's input frames, each hex, appended in order (as
    /// `prover-service execute --frame-hex` does).
    pub frames: Option<Vec<String>>,
    /// `execute`, or `prove`: execute, then prove the block down to the SNARK that
    /// `Rollup.sol`'s verifier checks (and queue it for L1 when a rollup is configured).
    pub mode: Mode,
    /// Higher runs first; -1000..=1000, default 0.
    pub priority: Option<i64>,
}

/// Progress of a job.
#[derive(Debug, Serialize, ToSchema)]
pub struct Progress {
    /// Stages finished.
    pub stages_done: usize,
    /// Stages the job runs, as far as known: witness (not for a given input), execute,
    /// and in mode `prove` one per part of the proof once `execute` planned them (one
    /// until then).
    pub stages_total: usize,
    /// Guest cycles executed so far by the execute stage.
    pub cycles: i64,
    /// Segment proofs finished.
    pub segments_proved: usize,
    /// Segment proofs the plan has (0 until planned).
    pub segments: usize,
    /// Aggregation nodes (leaves, inner nodes, precompile nodes, the wrapper) finished.
    pub nodes_proved: usize,
    /// Aggregation nodes the plan has.
    pub nodes: usize,
    /// The highest level of the tree with a proved node: 0 for the leaves, then each
    /// inner level (none before the first leaf).
    pub node_level: Option<u32>,
}

/// One stage of a job.
#[derive(Debug, Serialize, ToSchema)]
pub struct StageView {
    /// The stage.
    pub kind: StageKind,
    /// The part of the proof it proves (`segment-0`, `keccak-batch-0`, `leaf-0`,
    /// `inner-1-0`, `keccak-node-0`, `secp-node-0`, `root`, `wrapper`).
    pub part: Option<String>,
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
    /// A proved part's prover process at its peak: resident memory in MiB.
    pub peak_mib: Option<i64>,
    /// The worker that ran (or runs) the last attempt: `host-pid-loop-suffix`, so the
    /// stages of one worker process share the `host-pid` prefix.
    pub worker: Option<String>,
}

/// What a job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// A block, run by the block-validator.
    Block,
    /// An uploaded program on its input.
    Program,
}

/// A job.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    /// The job id.
    pub id: String,
    /// A block job or a generic program's.
    pub kind: JobKind,
    /// Where it stands.
    pub status: Status,
    /// The current (or last) stage.
    pub stage: Option<StageKind>,
    /// Progress.
    pub progress: Progress,
    /// Attempts over all stages.
    pub attempts: i64,
    /// The chain id (block jobs).
    pub chain_id: Option<u64>,
    /// The block number (block jobs).
    pub block_number: Option<u64>,
    /// The block hash (block jobs).
    pub block_hash: Option<String>,
    /// The SHA-256 of a generic job's input stream (with the program id and the mode,
    /// its idempotency key).
    pub input_digest: Option<String>,
    /// The guest program's id: the block-validator's, or the uploaded program's.
    pub program_id: String,
    /// The mode.
    pub mode: Mode,
    /// The priority.
    pub priority: i64,
    /// The last error.
    pub error: Option<String>,
    /// The result of an `execute` job, once succeeded.
    pub result: Option<ExecuteResult>,
    /// The result of a `prove` job, once succeeded: the proof's summary (the proof
    /// itself is at `/v1/jobs/{id}/proof`).
    pub proof: Option<ProveResult>,
    /// The block proof's submission to the rollup contract on L1, once queued.
    pub l1: Option<L1SubmissionView>,
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

/// Where a job's block proof stands on L1.
#[derive(Debug, Serialize, ToSchema)]
pub struct L1SubmissionView {
    /// The rollup contract.
    pub rollup: String,
    /// `queued`, `submitted`, `confirmed`, `superseded` or `failed`.
    pub status: SubmissionStatus,
    /// The latest transaction sent for it.
    pub tx_hash: Option<String>,
    /// The L1 block that included it, once confirmed.
    pub l1_block: Option<u64>,
    /// Its gas, once confirmed.
    pub gas_used: Option<u64>,
    /// Why it is failing or failed.
    pub error: Option<String>,
}

impl From<SubmissionRecord> for L1SubmissionView {
    fn from(record: SubmissionRecord) -> Self {
        Self {
            rollup: record.rollup,
            status: record.status,
            tx_hash: record.tx_hash,
            l1_block: record.l1_block,
            gas_used: record.gas_used,
            error: record.error,
        }
    }
}

/// A proved block: the proof file, what it states, and the L1 calldata.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProofView {
    /// The job.
    pub job_id: String,
    /// The proof file, as `prover-service prove` writes it and `prover-service verify`
    /// reads it.
    #[schema(value_type = Object)]
    pub proof: serde_json::Value,
    /// The block's public values the proof states (block jobs).
    pub public_values: Option<PublicValuesView>,
    /// `Rollup.submitBlockProof(pv, proof)` calldata, hex (block jobs).
    pub calldata: Option<String>,
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
    let blocks = given.iter().filter(|g| **g).count();
    if request.program_id.is_some() || request.elf.is_some() {
        if blocks != 0 {
            return Err(ApiError::unprocessable(
                "bad_job_reference",
                "give a block or a program (program_id or elf), not both",
            ));
        }
        return submit_program_job(&state, request, priority).await;
    }
    if request.input.is_some() || request.frames.is_some() {
        return Err(ApiError::unprocessable(
            "bad_job_reference",
            "input and frames belong to a program job: give program_id or elf",
        ));
    }
    if blocks != 1 {
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
        program_artifact: None,
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
    submit_once(&state, job, new_input).await
}

/// Submits `job`, storing `input` as its input artifact first: an existing job is
/// answered before the queue is checked or the input stored.
async fn submit_once(
    state: &AppState,
    mut job: NewJob,
    input: Option<Vec<u8>>,
) -> Result<(StatusCode, Json<JobView>), ApiError> {
    if let Some(existing) = existing_or_full(state, &job).await? {
        return Ok((StatusCode::OK, Json(full_view(state, existing).await?)));
    }
    if let Some(bytes) = input {
        job.input_artifact = Some(super::store_artifact(state, bytes).await?);
    }
    let (record, created) = state.store.submit(&job).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(full_view(state, record).await?)))
}

/// A generic job: the program (uploaded before, or inline) on its input stream. Its key
/// is the program id, the input stream's SHA-256 and the mode.
async fn submit_program_job(
    state: &AppState,
    request: SubmitJob,
    priority: i64,
) -> Result<(StatusCode, Json<JobView>), ApiError> {
    let program = match (request.program_id, request.elf) {
        (Some(id), None) => super::programs::uploaded(state, &id).await?,
        (None, Some(elf)) => {
            let bytes = decode_hex(&elf, "bad_elf", "elf")?;
            super::programs::register(state, bytes).await?.0
        }
        _ => {
            return Err(ApiError::unprocessable(
                "bad_job_reference",
                "give program_id or elf, not both",
            ))
        }
    };
    let stream = match &request.input {
        Some(text) => decode_hex(text, "bad_input", "input")?,
        None => Vec::new(),
    };
    let frames = request
        .frames
        .unwrap_or_default()
        .iter()
        .map(|frame| decode_hex(frame, "bad_input", "a frame"))
        .collect::<Result<Vec<_>, _>>()?;
    let stream = crate::program::framed_input(stream, &frames)
        .map_err(|e| ApiError::unprocessable("bad_input", e))?;
    let job = NewJob {
        chain_id: 0,
        block_number: 0,
        block_hash: B256::from_slice(&crate::artifacts::digest(&stream)),
        program_id: program.program_id,
        mode: request.mode,
        priority,
        input_artifact: None,
        max_attempts: i64::from(state.config.max_attempts),
        program_artifact: Some(program.elf_artifact),
    };
    submit_once(state, job, Some(stream)).await
}

/// `text` (hex, `0x` optional) as bytes, or 422 `code` naming `what`.
fn decode_hex(text: &str, code: &'static str, what: &str) -> Result<Vec<u8>, ApiError> {
    hex::decode(text.strip_prefix("0x").unwrap_or(text))
        .map_err(|e| ApiError::unprocessable(code, format!("{what} is not hex: {e}")))
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
    Ok(Json(full_view(&state, job).await?))
}

/// A proved block's proof, its public values and the L1 calldata.
#[utoipa::path(
    get, path = "/v1/jobs/{id}/proof", tag = "jobs",
    params(("id" = String, Path, description = "The job id")),
    responses(
        (status = 200, description = "The proof", body = ProofView),
        (status = 404, description = "No such job", body = ErrorBody),
        (status = 409, description = "The job has no proof (not a prove job, or not done)", body = ErrorBody),
        (status = 503, description = "The stored proof cannot be read", body = ErrorBody),
    )
)]
pub(super) async fn get_proof(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ProofView>, ApiError> {
    let job =
        state.store.get(&id).await?.ok_or_else(|| ApiError::not_found(format!("no job {id}")))?;
    let result = prove_result(&job).ok_or_else(|| {
        ApiError::new(
            StatusCode::CONFLICT,
            "no_proof",
            format!("job {id} has no proof ({} job, {})", job.mode.as_str(), job.status.as_str()),
        )
    })?;
    let unavailable =
        |e: String| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", e);
    let text = state
        .artifacts
        .get(&result.proof_artifact)
        .await
        .map_err(|e| unavailable(e.to_string()))?;
    let text = String::from_utf8(text).map_err(|e| unavailable(e.to_string()))?;
    let proof = prover::Proof::from_json(&text).map_err(|e| unavailable(e.to_string()))?;
    let calldata = match &result.public_values {
        Some(public_values) => {
            let encoded = hex::decode(public_values.encoded.trim_start_matches("0x"))
                .map_err(|e| unavailable(e.to_string()))?;
            let values = stateless::PublicValues::from_bytes(&encoded)
                .map_err(|e| unavailable(e.to_string()))?;
            let calldata = contracts::submit_calldata(&values, &proof)
                .map_err(|e| unavailable(e.to_string()))?;
            Some(format!("0x{}", hex::encode(calldata)))
        }
        None => None,
    };
    let proof = serde_json::from_str(&text).map_err(|e| unavailable(e.to_string()))?;
    Ok(Json(ProofView { job_id: id, proof, public_values: result.public_values, calldata }))
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
    let mut jobs = Vec::with_capacity(page.jobs.len());
    for job in page.jobs {
        jobs.push(full_view(&state, job).await?);
    }
    Ok(Json(JobList { jobs, next: page.next }))
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
        CancelOutcome::Cancelled(job) => Ok(Json(full_view(&state, *job).await?)),
        CancelOutcome::AlreadyFinal(status) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "already_final",
            format!("job {id} has already ended ({})", status.as_str()),
        )),
        CancelOutcome::NotFound => Err(ApiError::not_found(format!("no job {id}"))),
    }
}

/// The job with its L1 submission, if its proof was queued.
async fn full_view(state: &AppState, job: JobRecord) -> Result<JobView, ApiError> {
    let l1 = if job.mode == Mode::Prove {
        state.store.submission_of_job(&job.id).await?.map(L1SubmissionView::from)
    } else {
        None
    };
    Ok(JobView { l1, ..view(job) })
}

/// A `prove` job's result, once it succeeded.
fn prove_result(job: &JobRecord) -> Option<ProveResult> {
    (job.mode == Mode::Prove)
        .then(|| job.result.as_deref().and_then(|r| serde_json::from_str(r).ok()))
        .flatten()
}

fn view(job: JobRecord) -> JobView {
    let stages_done = job.stages.iter().filter(|s| s.status == Status::Succeeded).count();
    let cycles = job
        .stages
        .iter()
        .filter(|s| s.kind == StageKind::Execute)
        .map(|s| s.progress)
        .max()
        .unwrap_or(0);
    let progress = progress_of(&job, stages_done, cycles);
    let proof = prove_result(&job);
    let result = (job.mode == Mode::Execute)
        .then(|| job.result.as_deref().and_then(|r| serde_json::from_str(r).ok()))
        .flatten();
    let block = job.program_artifact.is_none();
    JobView {
        kind: if block { JobKind::Block } else { JobKind::Program },
        chain_id: block.then_some(job.chain_id),
        block_number: block.then_some(job.block_number),
        block_hash: block.then(|| job.block_hash.clone()),
        input_digest: (!block).then(|| job.block_hash.clone()),
        progress,
        proof,
        l1: None,
        attempts: job.stages.iter().map(|s| s.attempts).sum(),
        id: job.id,
        status: job.status,
        stage: job.stage,
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

/// Stages and the proof's parts done, from the job's stages.
fn progress_of(job: &JobRecord, stages_done: usize, cycles: i64) -> Progress {
    let given_input = job.stages.first().is_some_and(|s| s.kind == StageKind::Execute);
    let planned = job.stages.iter().any(|s| s.part.is_some());
    let stages_total = if planned {
        job.stages.len()
    } else {
        usize::from(!given_input) + 1 + usize::from(job.mode == Mode::Prove)
    };
    let is_node = |s: &&StageRecord| matches!(s.kind, StageKind::Node | StageKind::Wrapper);
    let proved = |s: &&StageRecord| s.status == Status::Succeeded;
    let segments = job.stages.iter().filter(|s| s.kind == StageKind::Segment);
    let nodes = job.stages.iter().filter(is_node);
    let node_level = nodes
        .clone()
        .filter(proved)
        .filter_map(|s| match s.part.as_deref()?.parse::<prover::Part>().ok()? {
            prover::Part::Leaf(_) => Some(0),
            prover::Part::Inner { level, .. } => Some(level),
            _ => None,
        })
        .max();
    Progress {
        stages_done,
        stages_total,
        cycles,
        segments_proved: segments.clone().filter(proved).count(),
        segments: segments.count(),
        nodes_proved: nodes.clone().filter(proved).count(),
        nodes: nodes.count(),
        node_level,
    }
}

fn stage_view(stage: StageRecord) -> StageView {
    let duration_ms = match (stage.started_at, stage.finished_at) {
        (Some(start), Some(end)) => Some(end - start),
        _ => None,
    };
    StageView {
        kind: stage.kind,
        part: stage.part,
        status: stage.status,
        attempts: stage.attempts,
        max_attempts: stage.max_attempts,
        progress: stage.progress,
        error: stage.error,
        queued_at: stage.created_at,
        started_at: stage.started_at,
        finished_at: stage.finished_at,
        duration_ms,
        peak_mib: stage.peak_mib,
        worker: stage.worker,
    }
}
