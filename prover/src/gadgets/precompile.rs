//! Discharging a precompile's chain, in-circuit: the precompile's batch proofs meet the VM.
//!
//! The VM's segments fold every call of a precompile (`KECCAK_PERMUTE`,
//! `SECP256K1_RECOVER`) into that precompile's chain; each batch proof of the precompile's
//! circuit folds the calls it proves into the same chain and exposes its value before and
//! after. A keccak or secp node takes the boundary of a halted execution and one batch's
//! `(start, end)`, constrains that the batch ends where the execution's chain ends, and
//! returns the boundary with that chain's end moved back to the batch's start: the
//! batch's calls are *discharged*. The nodes discharge the batches from the last to the
//! first, one each, and the root requires each precompile chain to end at its initial
//! value, where it started.
//!
//! Why that proves every call: the chain is a hash chain, `c' = H(c, call)`. A batch from
//! `s` to `e` that meets the execution's end `e` proves, up to a Poseidon collision, the
//! last calls of the execution, and `s` is the chain before them. Discharging walks back
//! call by call until the chain reaches its initial value, which no hash reaches. The
//! execution must have halted, so that no node links further segments after a discharge.

use circuits::chains::Chain;
use circuits::Fr;
use halo2_base::gates::{GateChip, GateInstructions};
use halo2_base::{AssignedValue, Context};

use super::link::AssignedBoundary;

/// A batch proof's public inputs: the chain before and after its calls.
#[derive(Debug, Clone, Copy)]
pub struct AssignedBatch {
    /// The chain before the batch.
    pub start: AssignedValue<Fr>,
    /// The chain after the batch.
    pub end: AssignedValue<Fr>,
}

impl AssignedBatch {
    /// Reads a batch proof's `(start, end)` out of its assigned instances.
    pub fn read(instances: &[AssignedValue<Fr>]) -> Option<Self> {
        Some(Self { start: *instances.first()?, end: *instances.get(1)? })
    }
}

/// Constrains `batch` to end where `chain` of the halted execution `whole` ends, and
/// returns `whole` with that chain's end moved back to the batch's start.
pub fn discharge_batch(
    ctx: &mut Context<Fr>,
    gate: &GateChip<Fr>,
    whole: &AssignedBoundary,
    chain: Chain,
    batch: &AssignedBatch,
) -> AssignedBoundary {
    let index = chain as usize;
    gate.assert_is_const(ctx, &whole.halted, &Fr::one());
    ctx.constrain_equal(&batch.end, &whole.chains_end[index]);
    let mut out = whole.clone();
    out.chains_end[index] = batch.start;
    out
}
