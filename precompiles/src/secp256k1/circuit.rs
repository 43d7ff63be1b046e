//! The batch circuit: `capacity` recovery slots on halo2-base's builder, and the secp chain
//! over the active ones, exposed as two public inputs (start, end).

use circuits::chains::{Chain, CHAIN_DOMAIN, VALUES_PER_ELEMENT};
use circuits::poseidon::flex::hash_node;
use circuits::Fr;
use halo2_base::gates::circuit::builder::BaseCircuitBuilder;
use halo2_base::gates::circuit::CircuitBuilderStage;
use halo2_base::gates::{GateInstructions, RangeInstructions};
use halo2_base::AssignedValue;
use halo2_base::QuantumCell::{Constant, Existing};
use serde::{Deserialize, Serialize};

use super::batch::SecpBatch;
use super::call::{Hints, SecpCall};
use super::recover::{recover_call, CallCells, Chips};
use super::SecpError;

/// Public inputs of a batch proof: the chain before and after the batch.
pub const NUM_PUBLIC_INPUTS: usize = 2;

/// Rows the builder keeps free at the bottom of the circuit (halo2's blinding rows and a
/// margin).
pub const MINIMUM_ROWS: usize = 20;

/// The size of a batch circuit: `2^k` rows, `capacity` recovery slots, and range checks
/// through a table of `2^lookup_bits` entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecpShape {
    /// log2 of the rows.
    pub k: u32,
    /// Recovery slots.
    pub capacity: usize,
    /// Bits of the range-check table (at most `k − 1`).
    pub lookup_bits: usize,
}

impl SecpShape {
    /// `capacity` slots in `2^k` rows, with the largest range table that fits.
    pub fn new(k: u32, capacity: usize) -> Self {
        Self { k, capacity, lookup_bits: k as usize - 1 }
    }

    fn check(&self) -> Result<(), SecpError> {
        if self.capacity == 0 || !(10..=26).contains(&self.k) || self.lookup_bits >= self.k as usize
        {
            return Err(SecpError::Shape(format!("{self:?}")));
        }
        Ok(())
    }

    /// A builder of this shape for `stage` (keygen, or a mock run).
    pub fn builder(&self, stage: CircuitBuilderStage) -> BaseCircuitBuilder<Fr> {
        BaseCircuitBuilder::from_stage(stage)
            .use_k(self.k as usize)
            .use_lookup_bits(self.lookup_bits)
            .use_instance_columns(1)
    }
}

/// The cells of a synthesized batch (for the tamper tests).
#[derive(Debug, Clone)]
pub struct BatchCells {
    /// Each slot's call.
    pub calls: Vec<CallCells>,
    /// Each slot's `active` flag.
    pub active: Vec<AssignedValue<Fr>>,
    /// The chain's value before the batch (public input 0).
    pub chain_start: AssignedValue<Fr>,
    /// The chain's value after the batch (public input 1).
    pub chain_end: AssignedValue<Fr>,
}

/// Lays out `batch` in `builder`: one slot per call, idle slots after them, and the chain.
pub fn synthesize(
    builder: &mut BaseCircuitBuilder<Fr>,
    shape: &SecpShape,
    batch: &SecpBatch,
) -> Result<BatchCells, SecpError> {
    synthesize_with_hints(builder, shape, batch, |_, call| call.hints())
}

/// [`synthesize`] with the prover's hints for slot `i` from `hints(i, call)`: the honest
/// prover uses [`SecpCall::hints`]; the tests put a dishonest prover's choices here.
pub fn synthesize_with_hints(
    builder: &mut BaseCircuitBuilder<Fr>,
    shape: &SecpShape,
    batch: &SecpBatch,
    hints: impl Fn(usize, &SecpCall) -> Hints,
) -> Result<BatchCells, SecpError> {
    shape.check()?;
    if batch.len() > shape.capacity {
        return Err(SecpError::BatchTooLarge { calls: batch.len(), capacity: shape.capacity });
    }
    let range = builder.range_chip();
    let chips = Chips::new(&range);
    let gate = range.gate();
    let ctx = builder.main(0);
    let domain = Fr::from(CHAIN_DOMAIN + Chain::Secp as u64);
    let shift = Fr::from(1u64 << 32) * Fr::from(1u64 << 32);
    let weights: Vec<Fr> = (0..VALUES_PER_ELEMENT)
        .scan(Fr::one(), |w, _| {
            let current = *w;
            *w *= shift;
            Some(current)
        })
        .collect();

    let chain_start = ctx.load_witness(batch.chain_start());
    let mut chain = chain_start;
    let idle = SecpCall::idle();
    let mut calls = Vec::with_capacity(shape.capacity);
    let mut active = Vec::with_capacity(shape.capacity);
    for slot in 0..shape.capacity {
        let call = batch.calls().get(slot).unwrap_or(&idle);
        let is_active = ctx.load_witness(Fr::from(u64::from(slot < batch.len())));
        gate.assert_bit(ctx, is_active);
        let cells = recover_call(ctx, &chips, call, hints(slot, call));
        let values: Vec<AssignedValue<Fr>> = std::iter::once(cells.success)
            .chain(cells.input.iter().copied())
            .chain(cells.output.iter().copied())
            .collect();
        let mut folded = chain;
        for group in values.chunks(VALUES_PER_ELEMENT) {
            let element = gate.inner_product(
                ctx,
                group.iter().copied().map(Existing),
                weights[..group.len()].iter().copied().map(Constant),
            );
            folded = hash_node(ctx, gate, domain, folded, element);
        }
        chain = gate.select(ctx, folded, chain, is_active);
        calls.push(cells);
        active.push(is_active);
    }
    builder.assigned_instances[0] = vec![chain_start, chain];
    Ok(BatchCells { calls, active, chain_start, chain_end: chain })
}
