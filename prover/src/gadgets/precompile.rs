//! Discharging a precompile's chain, in-circuit: the precompile's batch proofs meet the VM.
//!
//! The VM's segments fold every call of a precompile (`KECCAK_PERMUTE`,
//! `SECP256K1_RECOVER`) into that precompile's chain; each batch proof of the precompile's
//! circuit folds the calls it proves into the same chain and exposes its value before and
//! after. Given the boundary of the whole execution and the batches' `(start, end)` in
//! order, the node constrains that
//! - the first batch starts at the chain's initial value, which is where the execution's
//!   chain starts;
//! - each batch starts where the previous one ended;
//! - the last batch ends where the execution's chain ends.
//!
//! The calls the batches prove are then the VM's calls, in order (up to a Poseidon
//! collision). The node's own boundary is the execution's, with that chain *discharged*:
//! it ends where it started, so the root's rule "no unproved precompile call" holds for
//! the chain exactly when every call is proved.

use circuits::chains::{Chain, Chains};
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

/// Constrains `batches` to cover `chain` of `whole` from its initial value, and returns
/// `whole` with that chain discharged. `batches` must not be empty.
pub fn discharge_chain(
    ctx: &mut Context<Fr>,
    gate: &GateChip<Fr>,
    whole: &AssignedBoundary,
    chain: Chain,
    batches: &[AssignedBatch],
) -> AssignedBoundary {
    assert!(!batches.is_empty(), "a precompile node has a batch");
    let index = chain as usize;
    let (first, last) = (&batches[0], &batches[batches.len() - 1]);
    gate.assert_is_const(ctx, &first.start, &Chains::initial().get(chain));
    ctx.constrain_equal(&first.start, &whole.chains_start[index]);
    for pair in batches.windows(2) {
        ctx.constrain_equal(&pair[0].end, &pair[1].start);
    }
    ctx.constrain_equal(&last.end, &whole.chains_end[index]);
    let mut out = whole.clone();
    out.chains_end[index] = whole.chains_start[index];
    out
}
