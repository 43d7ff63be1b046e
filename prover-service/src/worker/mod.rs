//! Workers: each claims one stage at a time from the job store, keeps its lease alive
//! with heartbeats (which also carry progress), runs it, and records the outcome. A
//! heartbeat that finds the lease gone (the job was cancelled, or the lease expired and
//! another worker took over) stops the stage at once.

mod budget;
mod execute;
mod prove;
mod witness;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use stateless::Fork;
use tokio_util::sync::CancellationToken;

use crate::artifacts::Artifacts;
use crate::config::ServiceConfig;
use crate::model::StageKind;
use crate::node::NodeClient;
use crate::store::{ClaimedStage, JobStore};

pub use budget::{ClaimError, MemoryBudget, Reservation};
pub use execute::{BlockValidator, ExecuteResult, PublicValuesView, SyscallCountsView};
pub use prove::ProveResult;
pub(crate) use prove::ProverReport;

/// How a stage attempt ended badly.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    /// The lease is gone (cancelled, or taken over); nothing is recorded.
    #[error("cancelled")]
    Cancelled,
    /// Trying again later may work (the node is down, storage hiccup).
    #[error("{0}")]
    Retryable(String),
    /// Trying again cannot help (an invalid block, a broken input).
    #[error("{0}")]
    Permanent(String),
}

/// What the workers share.
pub struct WorkerContext {
    /// The job store.
    pub store: JobStore,
    /// Inputs and results.
    pub artifacts: Artifacts,
    /// The L2 node, when configured.
    pub node: Option<NodeClient>,
    /// The L2 chain's fork.
    pub fork: Fork,
    /// The guest.
    pub validator: Arc<BlockValidator>,
    /// Leases, retries and polling.
    pub config: ServiceConfig,
}

impl WorkerContext {
    fn lease_ms(&self) -> i64 {
        i64::try_from(self.config.lease_ms).unwrap_or(i64::MAX)
    }

    /// The stage's input artifact: its id and bytes (a missing or corrupt one is a
    /// permanent error, an unreadable store a retryable one).
    async fn stage_input<'a>(
        &self,
        stage: &'a ClaimedStage,
    ) -> Result<(&'a str, Vec<u8>), StageError> {
        let artifact = stage
            .input_artifact
            .as_deref()
            .ok_or_else(|| StageError::Permanent("the stage has no guest input".to_string()))?;
        Ok((artifact, self.artifact(artifact).await?))
    }

    /// The artifact `id` (a missing or corrupt one is a permanent error, an unreadable
    /// store a retryable one).
    async fn artifact(&self, id: &str) -> Result<Vec<u8>, StageError> {
        self.artifacts.get(id).await.map_err(|e| {
            if e.is_transient() {
                StageError::Retryable(e.to_string())
            } else {
                StageError::Permanent(e.to_string())
            }
        })
    }

    /// The ELF the stage's job runs: its uploaded program's, or the block-validator's.
    async fn program_elf(&self, stage: &ClaimedStage) -> Result<Vec<u8>, StageError> {
        match &stage.program_artifact {
            Some(artifact) => self.artifact(artifact).await,
            None => Ok(self.validator.elf().to_vec()),
        }
    }

    /// Stores `bytes` (a failure is retryable).
    async fn store(&self, bytes: Vec<u8>) -> Result<String, StageError> {
        self.artifacts
            .put(bytes)
            .await
            .map_err(|e| StageError::Retryable(format!("storing an artifact: {e}")))
    }

    /// The stage kinds this process's workers claim: those whose measured peak memory
    /// fits `max_memory_mib` (all of them without a budget). Which of them a worker asks
    /// for at a given moment also depends on what the process's running stages hold
    /// ([`MemoryBudget`]).
    pub fn claimable_kinds(&self) -> Vec<StageKind> {
        StageKind::ALL
            .into_iter()
            .filter(|kind| {
                self.config.max_memory_mib.is_none_or(|budget| kind.peak_mib() <= budget)
            })
            .collect()
    }
}

/// The block-validator's input stream: the stored guest input as one frame.
fn guest_stream(guest_input: &[u8]) -> Result<Vec<u8>, StageError> {
    let mut stream = abi::io::InputBuilder::new();
    stream
        .write_bytes(guest_input)
        .map_err(|e| StageError::Permanent(format!("guest input frame: {e}")))?;
    Ok(stream.into_bytes())
}

/// Runs `count` workers until `shutdown`, sharing one memory budget
/// (`max_memory_mib`); a stage running at shutdown is handed back without using up an
/// attempt.
pub async fn run_workers(context: Arc<WorkerContext>, count: usize, shutdown: CancellationToken) {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "worker".to_string());
    let claimable = context.claimable_kinds();
    for kind in StageKind::ALL {
        if !claimable.contains(&kind) {
            tracing::warn!(
                stage = kind.as_str(),
                needs_mib = kind.peak_mib(),
                max_memory_mib = context.config.max_memory_mib,
                "this process's workers will not claim these stages: they do not fit its memory budget"
            );
        }
    }
    let budget =
        MemoryBudget::shared(context.config.max_memory_mib, context.config.memory_ledger.clone());
    let mut set = tokio::task::JoinSet::new();
    for index in 0..count {
        let owner = format!("{host}-{}-{index}-{:08x}", std::process::id(), rand_suffix());
        set.spawn(worker_loop(context.clone(), budget.clone(), owner, shutdown.clone()));
    }
    while set.join_next().await.is_some() {}
}

fn rand_suffix() -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    nanos ^ std::process::id().rotate_left(16)
}

async fn worker_loop(
    context: Arc<WorkerContext>,
    budget: Arc<MemoryBudget>,
    owner: String,
    shutdown: CancellationToken,
) {
    let poll = Duration::from_millis(context.config.poll_ms.max(10));
    let kinds = context.claimable_kinds();
    tracing::info!(%owner, "worker started");
    while !shutdown.is_cancelled() {
        if let Err(e) = context.store.requeue_expired().await {
            tracing::warn!(error = %e, "requeueing expired stages failed");
        }
        match budget.claim(&context.store, &owner, context.lease_ms(), &kinds).await {
            Ok(Some((stage, _held))) => run_stage(&context, &owner, stage, &shutdown).await,
            Ok(None) => {
                tokio::select! {
                    () = tokio::time::sleep(poll) => {}
                    () = shutdown.cancelled() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "claiming a stage failed");
                tokio::time::sleep(poll).await;
            }
        }
    }
    tracing::info!(%owner, "worker stopped");
}

async fn run_stage(
    context: &Arc<WorkerContext>,
    owner: &str,
    stage: ClaimedStage,
    shutdown: &CancellationToken,
) {
    let kind = stage.kind.as_str();
    tracing::info!(job = %stage.job_id, stage = kind, attempt = stage.attempt, "stage claimed");
    let cancel = shutdown.child_token();
    let progress = Arc::new(AtomicI64::new(0));
    // The prover's peak memory in MiB, once a proof part's prover has reported it.
    let peak = AtomicI64::new(-1);
    let heartbeat = tokio::spawn(heartbeat_loop(
        context.clone(),
        stage.clone(),
        owner.to_string(),
        progress.clone(),
        cancel.clone(),
    ));
    let started = Instant::now();
    let result = match stage.kind {
        StageKind::Witness => witness::run(context, &stage).await,
        StageKind::Execute => execute::run(context, &stage, &cancel, &progress).await,
        StageKind::Segment
        | StageKind::KeccakBatch
        | StageKind::SecpBatch
        | StageKind::Node
        | StageKind::Wrapper => prove::run(context, &stage, &cancel, &peak).await,
    };
    let result = if cancel.is_cancelled() { Err(StageError::Cancelled) } else { result };
    heartbeat.abort();
    let seconds = started.elapsed().as_secs_f64();
    let done = progress.load(Ordering::Relaxed);
    let recorded = match &result {
        Ok(outcome) => context.store.complete(&stage, owner, done, outcome).await,
        Err(StageError::Cancelled) if shutdown.is_cancelled() => {
            context.store.release(&stage, owner).await
        }
        Err(StageError::Cancelled) => Ok(false),
        Err(StageError::Retryable(message)) => {
            let backoff = i64::try_from(context.config.retry_backoff_ms).unwrap_or(i64::MAX);
            context.store.fail(&stage, owner, message, true, backoff).await
        }
        Err(StageError::Permanent(message)) => {
            context.store.fail(&stage, owner, message, false, 0).await
        }
    };
    let outcome = match &result {
        Ok(_) => "succeeded",
        Err(StageError::Cancelled) => "cancelled",
        Err(StageError::Retryable(_)) => "retried",
        Err(StageError::Permanent(_)) => "failed",
    };
    metrics::histogram!("prover_stage_duration_seconds", "stage" => kind, "outcome" => outcome)
        .record(seconds);
    let peak_mib = peak.load(Ordering::Relaxed);
    if matches!(recorded, Ok(true)) && peak_mib >= 0 {
        if let Err(e) = context.store.record_peak(&stage.id, peak_mib).await {
            tracing::warn!(job = %stage.job_id, stage = kind, error = %e, "recording the peak memory failed");
        }
    }
    match recorded {
        Ok(false) if outcome == "cancelled" => {
            tracing::info!(job = %stage.job_id, stage = kind, "stage stopped: cancelled or taken over")
        }
        Ok(true) => {
            tracing::info!(job = %stage.job_id, stage = kind, outcome, seconds, "stage ended")
        }
        Ok(false) => {
            tracing::warn!(job = %stage.job_id, stage = kind, outcome, "lease lost; outcome discarded")
        }
        Err(e) => {
            tracing::error!(job = %stage.job_id, stage = kind, error = %e, "recording the outcome failed")
        }
    }
}

/// Extends the lease every third of it (at least once a second, so that a cancel stops
/// the stage quickly) and reports progress; cancels `cancel` once the lease is gone.
async fn heartbeat_loop(
    context: Arc<WorkerContext>,
    stage: ClaimedStage,
    owner: String,
    progress: Arc<AtomicI64>,
    cancel: CancellationToken,
) {
    let every = Duration::from_millis((context.config.lease_ms / 3).clamp(100, 1_000));
    loop {
        tokio::time::sleep(every).await;
        let done = progress.load(Ordering::Relaxed);
        match context.store.heartbeat(&stage, &owner, context.lease_ms(), done).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::info!(job = %stage.job_id, "lease gone (cancelled or taken over); stopping");
                cancel.cancel();
                return;
            }
            Err(e) => tracing::warn!(error = %e, "heartbeat failed"),
        }
    }
}
