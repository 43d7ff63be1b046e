//! Shared helpers of the keccak circuit tests: a small shape, batches, MockProver failures
//! by constraint name, and cell locators.
#![allow(dead_code, clippy::unwrap_used)]

use halo2_base::halo2_proofs::dev::{FailureLocation, MockProver, VerifyFailure};
use precompiles::keccak::layout::{cell_position, PermLayout, SlotKind};
use precompiles::keccak::{KeccakBatch, KeccakCircuit, KeccakColumn, KeccakParams};
use precompiles::Fr;
use rand::{Rng, SeedableRng};

/// Two permutations of 6,855 rows, one in each of two groups, at 2^13.
pub(crate) fn shape() -> KeccakParams {
    KeccakParams { k: 13, capacity: 2, part_width: 4, groups: 2 }
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

/// Whether `failure` is through `name`: a constraint or gate name, or `copy` for a copy
/// constraint (halo2's permutation argument).
fn is(failure: &Failure, name: &str) -> bool {
    if name == "copy" {
        failure.constraint.starts_with("Equality constraint not satisfied")
    } else {
        failure.constraint.contains(&format!("'{name}'"))
    }
}

/// Asserts that `name` (a constraint or gate name, or `copy`) is among the failures, at
/// `row` when given, and that every failure is one of `allowed` (the named constraint's
/// neighbours that read the same cell).
pub(crate) fn assert_fails(found: &[Failure], name: &str, row: Option<usize>, allowed: &[&str]) {
    assert!(
        found.iter().any(|f| is(f, name) && (row.is_none() || f.row == row)),
        "expected '{name}' at {row:?}, got {found:?}"
    );
    for f in found {
        assert!(
            is(f, name) || allowed.iter().any(|a| is(f, a)),
            "unexpected failure {f:?} (expected '{name}')"
        );
    }
}

/// The first row of `slot` of permutation `perm`.
pub(crate) fn slot_row(layout: &PermLayout, perm: usize, slot: SlotKind) -> usize {
    layout.perm_row(perm) + layout.slot_row(slot)
}

/// The input and output cells `(column, row)` of part `c` of `slot` of permutation `perm`.
pub(crate) fn part_cells(
    layout: &PermLayout,
    perm: usize,
    slot: SlotKind,
    c: usize,
) -> ((KeccakColumn, usize), (KeccakColumn, usize)) {
    let g = layout.group(perm);
    let (r, j) = cell_position(c);
    let row = slot_row(layout, perm, slot) + r;
    ((KeccakColumn::Input(g, j), row), (KeccakColumn::Output(g, j), row))
}

/// `V[i]` of `slot` of permutation `perm`.
pub(crate) fn value_cell(
    layout: &PermLayout,
    perm: usize,
    slot: SlotKind,
    i: usize,
) -> (KeccakColumn, usize) {
    (KeccakColumn::Value(layout.group(perm)), slot_row(layout, perm, slot) + i)
}

/// `BASE^e`.
pub(crate) fn pow7(e: usize) -> Fr {
    Fr::from(7u64).pow_vartime([e as u64])
}

use halo2_base::halo2_proofs::arithmetic::Field;
