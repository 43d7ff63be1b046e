//! The proving stages: each proves one part of a job's proof (a segment, a precompile
//! batch, a node of the tree, or the wrapper) in a child process (`prover-service
//! prove-part`) that a cancel or a lost lease kills at once, from the job's program and
//! input and its children's SNARKs, read from the artifact store. A part's SNARK goes
//! back to the store for the part above it, which may run on another machine. The
//! wrapper's proof comes back only after `prover::prove_part` verified it, and is checked
//! here to state this block's public values (or the program's own output); with a rollup
//! configured, a block's proof is then queued for L1.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicI64, Ordering};

use prover::{Part, Proof};
use serde::{Deserialize, Serialize};
use stateless::{GuestInput, PublicValues};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};
use tokio_util::sync::CancellationToken;
use utoipa::ToSchema;

use super::execute::{public_values_view, PublicValuesView};
use super::{StageError, WorkerContext};
use crate::store::{ClaimedStage, StageOutcome};

/// A `prove` job's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProveResult {
    /// The stored proof file (`GET /v1/jobs/{id}/proof` returns it).
    pub proof_artifact: String,
    /// The program the proof is about: the block-validator's id, or the uploaded
    /// program's.
    pub program_id: String,
    /// The 32 bytes the proof states: for a block, `keccak256` of the public values'
    /// encoding.
    pub output: String,
    /// Rows proved.
    pub cycles: u64,
    /// Segment proofs in the tree.
    pub segments: u32,
    /// keccak-f batch proofs in the tree.
    pub keccak_batches: u32,
    /// secp256k1 recovery batch proofs in the tree.
    pub secp_batches: u32,
    /// The wrapper SNARK's size in bytes.
    pub proof_bytes: usize,
    /// What the proof states about the block (absent for a generic program).
    pub public_values: Option<PublicValuesView>,
    /// Whether the proof was queued for the configured rollup contract on L1.
    pub queued_for_l1: bool,
}

/// What the wrapper's proof must state.
enum Statement {
    /// A block: the block-validator on the guest input, stating these public values.
    Block(PublicValues),
    /// A generic job: the uploaded program on its input stream, committing this digest.
    Program(prover::OutputDigest),
}

/// The files the child reads and writes, in a directory removed when the stage ends.
struct Workspace {
    dir: tempfile::TempDir,
    /// The option that hands the child `input.bin`: `--frame-file` for a guest input
    /// (one frame), `--input` for a generic job's stream (already framed).
    input_option: &'static str,
    /// The children's SNARK files, in order.
    children: Vec<PathBuf>,
}

impl Workspace {
    /// `input` is the job's stored input, as stored; `children` the children's SNARKs.
    fn new(elf: &[u8], input: &[u8], generic: bool, children: &[Vec<u8>]) -> std::io::Result<Self> {
        let dir = tempfile::Builder::new().prefix("prove-stage-").tempdir()?;
        std::fs::write(dir.path().join("guest.elf"), elf)?;
        std::fs::write(dir.path().join("input.bin"), input)?;
        let mut paths = Vec::with_capacity(children.len());
        for (index, snark) in children.iter().enumerate() {
            let path = dir.path().join(format!("child-{index}.snark"));
            std::fs::write(&path, snark)?;
            paths.push(path);
        }
        let input_option = if generic { "--input" } else { "--frame-file" };
        Ok(Self { dir, input_option, children: paths })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

pub(super) async fn run(
    context: &WorkerContext,
    stage: &ClaimedStage,
    cancel: &CancellationToken,
    peak_mib: &AtomicI64,
) -> Result<StageOutcome, StageError> {
    let part: Part = stage
        .part
        .as_deref()
        .ok_or_else(|| StageError::Permanent("the stage names no proof part".to_string()))?
        .parse()
        .map_err(|e| StageError::Permanent(format!("{e}")))?;
    let (_, input) = context.stage_input(stage).await?;
    let elf = context.program_elf(stage).await?;
    let generic = stage.program_artifact.is_some();
    let outputs = context
        .store
        .child_outputs(stage)
        .await
        .map_err(|e| StageError::Retryable(format!("reading the children's proofs: {e}")))?;
    let mut children = Vec::with_capacity(outputs.len());
    for artifact in &outputs {
        children.push(context.artifact(artifact).await?);
    }
    let workspace = Workspace::new(&elf, &input, generic, &children)
        .map_err(|e| StageError::Retryable(format!("preparing the prover's files: {e}")))?;
    drop(children);

    let child = prover_command(context, &workspace, part)?
        .spawn()
        .map_err(|e| StageError::Retryable(format!("starting the prover: {e}")))?;
    tracing::info!(job = %stage.job_id, %part, pid = child.id(), "prover started");
    let out = workspace.path("out");
    let last_line = supervise(child, &stage.job_id, cancel).await?;
    if let Some(report) = read_report(&workspace.path("report.json")) {
        peak_mib.store(i64::try_from(report.peak_mib).unwrap_or(i64::MAX), Ordering::Relaxed);
    }
    let bytes = std::fs::read(&out).map_err(|e| {
        StageError::Permanent(format!("the prover wrote no {part} ({e}); it said: {last_line}"))
    })?;
    if part != Part::Wrapper {
        let artifact = context.store(bytes).await?;
        return Ok(StageOutcome::Proved { artifact });
    }
    finish(context, stage, elf, input, bytes).await
}

/// The wrapper's proof: checked against what the job's run states, stored, queued for
/// L1 when it is a block's and a rollup is configured, and summed up as the job's result.
async fn finish(
    context: &WorkerContext,
    stage: &ClaimedStage,
    elf: Vec<u8>,
    input: Vec<u8>,
    proof_file: Vec<u8>,
) -> Result<StageOutcome, StageError> {
    let generic = stage.program_artifact.is_some();
    let statement = tokio::task::spawn_blocking(move || {
        if generic {
            expected_output(&elf, &input).map(Statement::Program)
        } else {
            decode_and_validate(&input).map(Statement::Block)
        }
    })
    .await
    .map_err(|e| StageError::Permanent(format!("checking the input panicked: {e}")))??;
    let text = String::from_utf8(proof_file)
        .map_err(|e| StageError::Permanent(format!("the prover's proof file: {e}")))?;
    let proof = Proof::from_json(&text)
        .map_err(|e| StageError::Permanent(format!("the prover's proof file: {e}")))?;
    check_statement(&proof, &stage.program_id, &statement)?;

    let proof_artifact = context.store(text.into_bytes()).await?;
    let rollup = context.config.rollup().map_err(|e| StageError::Permanent(e.to_string()))?;
    let queued_for_l1 = match (rollup, &statement) {
        (Some(rollup), Statement::Block(values)) => crate::l1::queue_proof(
            &context.store,
            rollup,
            values,
            &proof,
            Some(stage.job_id.clone()),
        )
        .await
        .map_err(|e| StageError::Retryable(format!("queueing the proof for L1: {e}")))?,
        _ => false,
    };
    let public_values = match &statement {
        Statement::Block(values) => Some(public_values_view(values)),
        Statement::Program(_) => None,
    };
    let result = ProveResult {
        proof_artifact,
        program_id: proof.program_id_hex(),
        output: format!("0x{}", hex::encode(proof.output.0)),
        cycles: proof.cycles,
        segments: proof.segments,
        keccak_batches: proof.keccak_batches,
        secp_batches: proof.secp_batches,
        proof_bytes: proof.proof.len(),
        public_values,
        queued_for_l1,
    };
    let json = serde_json::to_string(&result)
        .map_err(|e| StageError::Permanent(format!("encoding the result: {e}")))?;
    let artifact = context.store(json.clone().into_bytes()).await?;
    Ok(StageOutcome::Finished { result: json, artifact })
}

/// The public values native validation computes from the stored guest input (a block
/// that fails validation has no proof, and the proof must state exactly these).
fn decode_and_validate(bytes: &[u8]) -> Result<PublicValues, StageError> {
    let input = GuestInput::from_bytes(bytes)
        .map_err(|e| StageError::Permanent(format!("the guest input does not decode: {e}")))?;
    Ok(stateless::validate_block(&input)
        .map_err(|e| StageError::Permanent(format!("invalid block: {e}")))?
        .public_values)
}

/// The digest a generic job's proof must state: the program's own output, from a run
/// in fast mode (cheap next to proving).
fn expected_output(elf: &[u8], input: &[u8]) -> Result<prover::OutputDigest, StageError> {
    let program = vm::Program::from_elf(elf)
        .map_err(|e| StageError::Permanent(format!("the program's ELF: {e}")))?;
    let summary = vm::execute_program(&program, input, &vm::ExecutorConfig::default())
        .map_err(|e| StageError::Permanent(format!("the program faulted: {e}")))?;
    super::execute::provable(&summary)
}

/// `prover-service prove-part` on the workspace's files, with this service's parameters
/// and key cache. The child is killed with its handle (a panicking worker leaves no
/// prover) and exits by itself once this process is gone (a killed one leaves none).
fn prover_command(
    context: &WorkerContext,
    workspace: &Workspace,
    part: Part,
) -> Result<Command, StageError> {
    let exe = match &context.config.prover_exe {
        Some(exe) => exe.clone(),
        None => std::env::current_exe()
            .map_err(|e| StageError::Permanent(format!("locating this program: {e}")))?,
    };
    let mut command = Command::new(exe);
    command
        .arg("prove-part")
        .arg("--part")
        .arg(part.to_string())
        .arg("--elf")
        .arg(workspace.path("guest.elf"))
        .arg(workspace.input_option)
        .arg(workspace.path("input.bin"))
        .arg("--out")
        .arg(workspace.path("out"))
        .arg("--report")
        .arg(workspace.path("report.json"))
        // Dies with this worker even when the worker is SIGKILLed.
        .arg("--exit-with-parent");
    for child in &workspace.children {
        command.arg("--child").arg(child);
    }
    if let Some(dir) = &context.config.params_dir {
        command.arg("--params-dir").arg(dir);
    }
    if let Some(dir) = &context.config.keys_dir {
        command.arg("--keys-dir").arg(dir);
    }
    command
        .env_remove("PROVER_PARAMS_DIR")
        .env_remove("PROVER_KEYS_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    Ok(command)
}

/// What `prove-part --report` writes once the part is proved.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct ProverReport {
    /// Seconds the part took, keys and parameters loaded included.
    pub(crate) seconds: f64,
    /// The prover process's peak resident memory, in MiB.
    pub(crate) peak_mib: u64,
}

/// The prover's report of a proved part; `None` if it wrote none (it is only a
/// measurement: the part's proof stands without it).
fn read_report(path: &std::path::Path) -> Option<ProverReport> {
    let text = std::fs::read(path).ok()?;
    serde_json::from_slice(&text).ok()
}

/// Waits for the child, logging its lines; kills it as soon as `cancel` fires. Returns
/// its last line.
async fn supervise(
    mut child: Child,
    job_id: &str,
    cancel: &CancellationToken,
) -> Result<String, StageError> {
    let stderr = child.stderr.take();
    let mut last_line = String::new();
    let mut lines = stderr.map(|s| BufReader::new(s).lines());
    let status = loop {
        tokio::select! {
            status = child.wait() => break status,
            () = cancel.cancelled() => {
                // SIGKILL, then reap: the proving stops now, not when the stage would end.
                if let Err(e) = child.kill().await {
                    tracing::warn!(job = %job_id, error = %e, "killing the prover failed");
                }
                tracing::info!(job = %job_id, "prover killed: the stage was cancelled");
                return Err(StageError::Cancelled);
            }
            line = next_line(&mut lines) => match line {
                Some(line) => {
                    tracing::info!(job = %job_id, "prover: {line}");
                    last_line = line;
                }
                None => lines = None,
            },
        }
    };
    let status =
        status.map_err(|e| StageError::Retryable(format!("waiting for the prover: {e}")))?;
    // The lines written just before it exited (its error, on a failure).
    if let Some(lines) = lines.as_mut() {
        while let Ok(Some(line)) = lines.next_line().await {
            tracing::info!(job = %job_id, "prover: {line}");
            last_line = line;
        }
    }
    if status.success() {
        return Ok(last_line);
    }
    Err(match status.code() {
        // `prove-part` exits 1 with its error on its last line: the part has no proof.
        Some(code) => StageError::Permanent(format!("the prover failed ({code}): {last_line}")),
        // Killed by a signal: most often the kernel's OOM killer.
        None => StageError::Retryable(format!(
            "the prover was killed by a signal ({}; out of memory?); its last line: {last_line}",
            signal_of(&status)
        )),
    })
}

/// The child's next stderr line; pending for ever once the stream has ended.
async fn next_line(
    lines: &mut Option<tokio::io::Lines<BufReader<tokio::process::ChildStderr>>>,
) -> Option<String> {
    match lines {
        Some(lines) => lines.next_line().await.ok().flatten(),
        None => std::future::pending().await,
    }
}

fn signal_of(status: &std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt as _;
    status.signal().map_or_else(|| "unknown".to_string(), |s| format!("signal {s}"))
}

/// The proof must be about the job's program (the block-validator, or the uploaded
/// one) and state what it should: the block's public values, or the program's output.
fn check_statement(
    proof: &Proof,
    program_id: &str,
    statement: &Statement,
) -> Result<(), StageError> {
    if proof.program_id_hex() != program_id {
        return Err(StageError::Permanent(format!(
            "the proof is for program {}, not the job's {program_id}",
            proof.program_id_hex()
        )));
    }
    let expected = match statement {
        Statement::Block(values) => values.commitment().0,
        Statement::Program(digest) => digest.0,
    };
    if proof.output.0 != expected {
        return Err(StageError::Permanent(
            "the proof states another output than the job's run".to_string(),
        ));
    }
    Ok(())
}
