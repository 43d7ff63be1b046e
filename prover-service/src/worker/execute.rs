//! The `execute` stage: the block-validator guest runs the stored guest input in the
//! executor (or, for a generic job, the uploaded program runs its input stream), in
//! slices so that progress is reported and a cancel stops it between two slices. The
//! block-validator must commit exactly the public values that native validation of the
//! same input computes.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use stateless::{GuestInput, PublicValues};
use tokio_util::sync::CancellationToken;
use utoipa::ToSchema;
use vm::{ExecutionSummary, Executor, ExecutorConfig, Program};

use super::{StageError, WorkerContext};
use crate::model::{Mode, StageKind};
use crate::store::{ClaimedStage, PlannedStage, StageOutcome};

/// Cycles per slice: about a fifth of a second of the executor.
const SLICE_CYCLES: u64 = 16 << 20;

/// The block-validator guest, loaded once, with its program id.
#[derive(Debug)]
pub struct BlockValidator {
    /// The program id a proof of it states (the Poseidon page-tree root of its initial
    /// memory, `0x` + 64 hex digits): part of every job's idempotency key.
    pub program_id: String,
    program: Program,
    config: ExecutorConfig,
}

impl BlockValidator {
    /// The embedded `block-validator` ELF.
    pub fn embedded() -> Result<Self, vm::ElfError> {
        let loaded = crate::program::load(guests::BLOCK_VALIDATOR_ELF)?;
        Ok(Self {
            program_id: loaded.program_id,
            program: loaded.program,
            config: ExecutorConfig::default(),
        })
    }

    /// The guest's ELF (what the `prove` stage hands its prover).
    pub fn elf(&self) -> &'static [u8] {
        guests::BLOCK_VALIDATOR_ELF
    }

    /// Runs the guest on `input` in slices, storing the cycles run in `progress`; a
    /// cancel stops it between two slices.
    fn run(
        &self,
        input: &GuestInput,
        progress: &AtomicI64,
        cancel: &CancellationToken,
    ) -> Result<ExecutionSummary, StageError> {
        let stream = super::guest_stream(&input.to_bytes())?;
        run_in_slices(&self.program, stream, &self.config, progress, cancel)
    }
}

/// Runs `program` on the input stream `stream` in slices, storing the cycles run in
/// `progress`; a cancel stops it between two slices.
fn run_in_slices(
    program: &Program,
    stream: Vec<u8>,
    config: &ExecutorConfig,
    progress: &AtomicI64,
    cancel: &CancellationToken,
) -> Result<ExecutionSummary, StageError> {
    let mut machine = Executor::new(program, stream, config.clone())
        .map_err(|e| StageError::Permanent(format!("loading the guest: {e}")))?;
    loop {
        if cancel.is_cancelled() {
            return Err(StageError::Cancelled);
        }
        match machine.run_fast_for(SLICE_CYCLES) {
            Ok(Some(summary)) => return Ok(summary),
            Ok(None) => progress
                .store(i64::try_from(machine.cycles()).unwrap_or(i64::MAX), Ordering::Relaxed),
            Err(e) => return Err(StageError::Permanent(format!("the guest faulted: {e}"))),
        }
    }
}

/// Syscall counts of an execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SyscallCountsView {
    /// `KECCAK_PERMUTE` calls.
    pub keccak_permute: u64,
    /// `SECP256K1_RECOVER` calls.
    pub secp256k1_recover: u64,
    /// `READ` calls.
    pub read: u64,
    /// `COMMIT` calls.
    pub commit: u64,
    /// `LOG` calls.
    pub log: u64,
}

/// The block's public values: what a proof of it will state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PublicValuesView {
    /// The chain id.
    pub chain_id: u64,
    /// The block number.
    pub block_number: u64,
    /// The parent's hash.
    pub parent_hash: String,
    /// The block's hash.
    pub block_hash: String,
    /// The parent's state root.
    pub parent_state_root: String,
    /// The state root after the block.
    pub state_root: String,
    /// The ABI encoding, hex.
    pub encoded: String,
    /// `keccak256(encoded)`: the 32 bytes the guest commits and a proof states.
    pub commitment: String,
}

/// An `execute` job's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ExecuteResult {
    /// The guest's exit code (the block-validator's is always 0: a block it refuses
    /// fails the job).
    #[serde(default)]
    pub exit_code: u32,
    /// The bytes the guest committed, hex (for a block: the public values' commitment).
    #[serde(default)]
    pub output: String,
    /// Rows of the run (the cycles the circuits prove).
    pub cycles: u64,
    /// Instructions executed.
    pub instructions: u64,
    /// Segments at the executor's segment size.
    pub segments: u64,
    /// log2 of the segment size.
    pub segment_po2: u32,
    /// Syscall counts.
    pub syscalls: SyscallCountsView,
    /// Pages of guest memory touched.
    pub resident_pages: u64,
    /// A block job's public values: what the guest committed the digest of (absent for
    /// a generic program).
    pub public_values: Option<PublicValuesView>,
}

pub(super) async fn run(
    context: &WorkerContext,
    stage: &ClaimedStage,
    cancel: &CancellationToken,
    progress: &Arc<AtomicI64>,
) -> Result<StageOutcome, StageError> {
    let result = match &stage.program_artifact {
        None => run_block(context, stage, cancel, progress).await?,
        Some(elf) => run_program(context, stage, elf, cancel, progress).await?,
    };
    metrics::counter!("prover_cycles_executed_total").increment(result.cycles);
    progress.store(i64::try_from(result.cycles).unwrap_or(i64::MAX), Ordering::Relaxed);
    if stage.mode == Mode::Prove {
        // The run is one a proof can state: plan the proof of the same input.
        return plan_parts(context, stage).await;
    }
    let json = serde_json::to_string(&result)
        .map_err(|e| StageError::Permanent(format!("encoding the result: {e}")))?;
    let artifact = context.store(json.clone().into_bytes()).await?;
    Ok(StageOutcome::Finished { result: json, artifact })
}

/// The proof's parts for the stage's program and input (one more run, in trace mode,
/// which cuts the segments as proving will), each a stage of its own.
async fn plan_parts(
    context: &WorkerContext,
    stage: &ClaimedStage,
) -> Result<StageOutcome, StageError> {
    let (input_artifact, input) = context.stage_input(stage).await?;
    let elf = context.program_elf(stage).await?;
    let generic = stage.program_artifact.is_some();
    let plan = tokio::task::spawn_blocking(move || {
        let program = Program::from_elf(&elf)
            .map_err(|e| StageError::Permanent(format!("the program's ELF: {e}")))?;
        // The block-validator reads the guest input as one frame.
        let stream = if generic { input } else { super::guest_stream(&input)? };
        prover::plan(&program, &stream, &prover::TreeConfig::default())
            .map_err(|e| StageError::Permanent(format!("planning the proof: {e}")))
    })
    .await
    .map_err(|e| StageError::Permanent(format!("planning panicked: {e}")))??;
    let stages = plan
        .parts()
        .into_iter()
        .map(|planned| PlannedStage {
            kind: StageKind::of_part(&planned.part),
            part: planned.part.to_string(),
            children: planned.children.iter().map(ToString::to_string).collect(),
        })
        .collect();
    Ok(StageOutcome::Planned { input: input_artifact.to_string(), stages })
}

/// The block-validator on the stored guest input, checked against native validation.
async fn run_block(
    context: &WorkerContext,
    stage: &ClaimedStage,
    cancel: &CancellationToken,
    progress: &Arc<AtomicI64>,
) -> Result<ExecuteResult, StageError> {
    let (_, bytes) = context.stage_input(stage).await?;
    let validator = context.validator.clone();
    let (cancel, slices) = (cancel.clone(), progress.clone());
    let run = tokio::task::spawn_blocking(move || -> Result<ExecuteResult, StageError> {
        let input = GuestInput::from_bytes(&bytes)
            .map_err(|e| StageError::Permanent(format!("the guest input does not decode: {e}")))?;
        let native = stateless::validate_block(&input).map_err(|e| {
            StageError::Permanent(format!(
                "invalid block (guest exit code {:#x}): {e}",
                e.exit_code()
            ))
        })?;
        let summary = validator.run(&input, &slices, &cancel)?;
        check_agreement(&summary, &native.public_values)?;
        Ok(result_of(&summary, Some(&native.public_values)))
    });
    run.await.map_err(|e| StageError::Permanent(format!("the execute stage panicked: {e}")))?
}

/// A generic job: the uploaded program on its stored input stream. In mode `prove` the
/// run must be one a proof can state (exit code 0, one 32-byte commit).
async fn run_program(
    context: &WorkerContext,
    stage: &ClaimedStage,
    elf_artifact: &str,
    cancel: &CancellationToken,
    progress: &Arc<AtomicI64>,
) -> Result<ExecuteResult, StageError> {
    let elf = context.artifact(elf_artifact).await?;
    let (_, input) = context.stage_input(stage).await?;
    let (cancel, slices, mode) = (cancel.clone(), progress.clone(), stage.mode);
    let run = tokio::task::spawn_blocking(move || -> Result<ExecuteResult, StageError> {
        let program = Program::from_elf(&elf)
            .map_err(|e| StageError::Permanent(format!("the program's ELF: {e}")))?;
        let summary = run_in_slices(&program, input, &ExecutorConfig::default(), &slices, &cancel)?;
        if mode == Mode::Prove {
            provable(&summary)?;
        }
        Ok(result_of(&summary, None))
    });
    run.await.map_err(|e| StageError::Permanent(format!("the execute stage panicked: {e}")))?
}

/// A proof states a run that halted with 0 and committed one 32-byte digest: any other
/// run has no proof, so a prove job of it fails here, before any proving.
pub(super) fn provable(summary: &ExecutionSummary) -> Result<prover::OutputDigest, StageError> {
    if summary.exit_code != 0 {
        return Err(StageError::Permanent(format!(
            "the program exits with {}; only a run that exits with 0 has a proof",
            summary.exit_code
        )));
    }
    prover::OutputDigest::from_run(summary.syscalls.commit, &summary.output)
        .map_err(|e| StageError::Permanent(format!("the program's output has no proof: {e}")))
}

/// The guest must halt with 0 and commit the digest of the native public values.
fn check_agreement(summary: &ExecutionSummary, native: &PublicValues) -> Result<(), StageError> {
    if summary.exit_code != 0 {
        let said = summary.logs.last().map(String::as_str).unwrap_or("");
        return Err(StageError::Permanent(format!(
            "native validation accepts the block, the guest exits with {:#x} ({said})",
            summary.exit_code
        )));
    }
    if summary.output != native.commitment().as_slice() {
        return Err(StageError::Permanent(
            "the guest committed other public values than native validation".to_string(),
        ));
    }
    Ok(())
}

/// What a proof of the block will state, for the API.
pub(super) fn public_values_view(values: &PublicValues) -> PublicValuesView {
    PublicValuesView {
        chain_id: values.chainId,
        block_number: values.blockNumber,
        parent_hash: values.parentHash.to_string(),
        block_hash: values.blockHash.to_string(),
        parent_state_root: values.parentStateRoot.to_string(),
        state_root: values.stateRoot.to_string(),
        encoded: format!("0x{}", hex::encode(values.to_bytes())),
        commitment: values.commitment().to_string(),
    }
}

fn result_of(summary: &ExecutionSummary, values: Option<&PublicValues>) -> ExecuteResult {
    let s = &summary.syscalls;
    ExecuteResult {
        exit_code: summary.exit_code,
        output: format!("0x{}", hex::encode(&summary.output)),
        cycles: summary.cycles,
        instructions: summary.instructions,
        segments: summary.segments,
        segment_po2: summary.segment_po2,
        syscalls: SyscallCountsView {
            keccak_permute: s.keccak_permute,
            secp256k1_recover: s.secp256k1_recover,
            read: s.read,
            commit: s.commit,
            log: s.log,
        },
        resident_pages: summary.resident_pages,
        public_values: values.map(public_values_view),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_block_validators_program_id_is_the_one_its_proofs_state() {
        let validator = BlockValidator::embedded().unwrap();
        let program = Program::from_elf(guests::BLOCK_VALIDATOR_ELF).unwrap();
        let root = circuits::paging::program_id(&program);
        assert_eq!(validator.program_id, format!("0x{}", hex::encode(prover::scalar_word(&root))));
        assert_eq!(validator.program_id.len(), 66);
    }
}
