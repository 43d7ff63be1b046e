//! Shared helpers of the keccak circuit tests: a small shape, batches, MockProver failures
//! by constraint name, and cell locators.
#![allow(dead_code, clippy::unwrap_used)]

use halo2_base::halo2_proofs::dev::{FailureLocation, MockProver, VerifyFailure};
use precompiles::keccak::layout::{Block, Part, SlotLayout};
use precompiles::keccak::{KeccakBatch, KeccakCircuit, KeccakColumn, KeccakParams};
use precompiles::Fr;
use rand::{Rng, SeedableRng};

/// Two slots of 1,467 rows at 2^12: MockProver runs take about a second.
pub(crate) fn shape() -> KeccakParams {
    KeccakParams { k: 12, capacity: 2, part_width: 4, lookup_columns: 16 }
}

/// `n` random states from `seed`.
pub(crate) fn states(n: usize, seed: u64) -> Vec<[u64; 25]> {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
    (0..n).map(|_| std::array::from_fn(|_| rng.gen())).collect()
}

/// The honest circuit of `inputs` from chain value 11.
pub(crate) fn circuit(inputs: Vec<[u64; 25]>) -> KeccakCircuit {
    KeccakCircuit::new(shape(), &KeccakBatch::new(inputs, Fr::from(11))).unwrap()
}

/// A failure: the constraint's description (gate and constraint names) and its row.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub(crate) constraint: String,
    pub(crate) row: Option<usize>,
}

/// Every failure of `circuit` against `instances`.
pub(crate) fn failures_with(circuit: &KeccakCircuit, instances: Vec<Vec<Fr>>) -> Vec<Failure> {
    let prover = MockProver::run(circuit.shape().k, circuit, instances).unwrap();
    match prover.verify() {
        Ok(()) => Vec::new(),
        Err(failures) => failures
            .into_iter()
            .map(|f| match f {
                VerifyFailure::ConstraintNotSatisfied { constraint, location, .. } => {
                    let row = match location {
                        FailureLocation::InRegion { offset, .. } => Some(offset),
                        FailureLocation::OutsideRegion { row } => Some(row),
                    };
                    Failure { constraint: constraint.to_string(), row }
                }
                other => Failure { constraint: format!("{other:?}"), row: None },
            })
            .collect(),
    }
}

/// Every failure of `circuit` against its own public inputs.
pub(crate) fn failures(circuit: &KeccakCircuit) -> Vec<Failure> {
    failures_with(circuit, circuit.instances())
}

/// Asserts that `name` (a constraint or gate name) is among the failures, at `row` when
/// given, and that every failure is one of `allowed` (the named constraint's neighbours
/// that read the same cell).
pub(crate) fn assert_fails(found: &[Failure], name: &str, row: Option<usize>, allowed: &[&str]) {
    assert!(
        found.iter().any(|f| f.constraint.contains(&format!("'{name}'"))
            && (row.is_none() || f.row == row)),
        "expected '{name}' at {row:?}, got {found:?}"
    );
    for f in found {
        assert!(
            f.constraint.contains(&format!("'{name}'"))
                || allowed.iter().any(|a| f.constraint.contains(&format!("'{a}'"))),
            "unexpected failure {f:?} (expected '{name}')"
        );
    }
}

/// The global row of row `row` of round `t`'s block in slot `slot`.
pub(crate) fn round_row(layout: &SlotLayout, slot: usize, t: usize, row: usize) -> usize {
    layout.slot_row(slot) + layout.round_row(t) + row
}

/// The global row of row `row` of the tail block in slot `slot`.
pub(crate) fn tail_row(layout: &SlotLayout, slot: usize, row: usize) -> usize {
    layout.slot_row(slot) + layout.tail_row() + row
}

/// A part of a decomposition of a block.
pub(crate) fn part(block: &Block, decomposition: usize, part: usize) -> Part {
    block.decompositions[decomposition].parts[part]
}

/// The input and output cells `(column, row)` of `part` in a block starting at `base`.
pub(crate) fn part_cells(
    part: Part,
    base: usize,
) -> ((KeccakColumn, usize), (KeccakColumn, usize)) {
    (
        (KeccakColumn::Input(part.column), base + part.row),
        (KeccakColumn::Output(part.column), base + part.row),
    )
}

/// `BASE^e`.
pub(crate) fn pow7(e: usize) -> Fr {
    Fr::from(7u64).pow_vartime([e as u64])
}

use halo2_base::halo2_proofs::arithmetic::Field;
