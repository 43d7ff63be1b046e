//! MockProver runs of the keccak circuit: honest batches are accepted.

use halo2_base::halo2_proofs::dev::MockProver;
use precompiles::keccak::{layout::SlotLayout, KeccakBatch, KeccakCircuit, KeccakParams};
use precompiles::Fr;

fn small_shape(capacity: usize) -> KeccakParams {
    KeccakParams { k: 13, capacity, part_width: 4, lookup_columns: 8 }
}

#[test]
fn shape_figures() {
    let shape = small_shape(1);
    let layout = SlotLayout::new(shape);
    eprintln!(
        "round block {} rows, tail {} rows, slot {} rows, usable {}",
        layout.round.rows,
        layout.tail.rows,
        layout.rows,
        precompiles::keccak::circuit::usable_rows(shape)
    );
}

#[test]
fn mock_prover_accepts_one_random_permutation() {
    let shape = small_shape(2);
    let input: [u64; 25] =
        std::array::from_fn(|i| (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let mut second = input;
    second[3] ^= 1;
    let batch = KeccakBatch::new(vec![input, second], Fr::from(5));
    let circuit = KeccakCircuit::new(shape, &batch).expect("fits");
    let prover = MockProver::run(shape.k, &circuit, circuit.instances()).expect("synthesis");
    prover.assert_satisfied();
}
