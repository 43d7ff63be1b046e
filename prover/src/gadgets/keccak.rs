//! Discharging the keccak chain, in-circuit: the keccak-f batch proofs meet the VM.
//!
//! The VM's segments fold every `KECCAK_PERMUTE` call into the keccak chain; each batch
//! proof of the keccak-f circuit folds the calls it proves into the same chain and exposes
//! its value before and after. Given the boundary of the whole execution and the batches'
//! `(start, end)` in order, the node constrains that
//! - the first batch starts at the keccak chain's initial value, which is where the
//!   execution's keccak chain starts;
//! - each batch starts where the previous one ended;
//! - the last batch ends where the execution's keccak chain ends.
//!
//! The calls the batches prove are then the VM's calls, in order (up to a Poseidon
//! collision). The node's own boundary is the execution's, with the keccak chain
//! *discharged*: it ends where it started, so the root's rule "no unproved keccak call"
//! holds exactly when every call is proved.

use circuits::chains::{Chain, Chains};
use circuits::Fr;
use halo2_base::gates::{GateChip, GateInstructions};
use halo2_base::{AssignedValue, Context};

use super::link::AssignedBoundary;

/// A batch proof's public inputs: the keccak chain before and after its calls.
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

/// Constrains `batches` to cover the keccak chain of `whole` from its initial value, and
/// returns `whole` with that chain discharged. `batches` must not be empty.
pub fn discharge_keccak(
    ctx: &mut Context<Fr>,
    gate: &GateChip<Fr>,
    whole: &AssignedBoundary,
    batches: &[AssignedBatch],
) -> AssignedBoundary {
    assert!(!batches.is_empty(), "a keccak node has a batch");
    let keccak = Chain::Keccak as usize;
    let (first, last) = (&batches[0], &batches[batches.len() - 1]);
    gate.assert_is_const(ctx, &first.start, &Chains::initial().get(Chain::Keccak));
    ctx.constrain_equal(&first.start, &whole.chains_start[keccak]);
    for pair in batches.windows(2) {
        ctx.constrain_equal(&pair[0].end, &pair[1].start);
    }
    ctx.constrain_equal(&last.end, &whole.chains_end[keccak]);
    let mut out = whole.clone();
    out.chains_end[keccak] = whole.chains_start[keccak];
    out
}
