//! MockProver runs of the keccak circuit on honest batches, and a real proof.

mod support;

use precompiles::keccak::{layout::PermLayout, KeccakBatch, KeccakCircuit, KeccakParams};
use precompiles::Fr;
use support::{circuit, failures, shape, states};

#[test]
fn mock_prover_accepts_random_states_in_a_full_batch() {
    let circuit = circuit(states(2, 1));
    assert!(failures(&circuit).is_empty());
}

#[test]
fn mock_prover_accepts_the_zero_and_all_ones_states() {
    let circuit = circuit(vec![[0; 25], [u64::MAX; 25]]);
    assert!(failures(&circuit).is_empty());
}

#[test]
fn mock_prover_accepts_a_partial_batch_whose_idle_slot_passes_the_chain_on() {
    let inputs = states(1, 2);
    let batch = KeccakBatch::new(inputs.clone(), Fr::from(11));
    let circuit = circuit(inputs);
    assert_eq!(circuit.instances(), vec![vec![Fr::from(11), batch.chain_end()]]);
    assert!(failures(&circuit).is_empty());
}

#[test]
fn an_empty_batch_proves_the_chain_unchanged() {
    let circuit = circuit(Vec::new());
    assert_eq!(circuit.instances(), vec![vec![Fr::from(11), Fr::from(11)]]);
    assert!(failures(&circuit).is_empty());
}

#[test]
fn the_production_shapes_fit_their_rows() {
    for (k, part_width, groups) in [(18, 6, 4), (19, 6, 4), (18, 6, 5)] {
        let shape = KeccakParams::fitting(k, part_width, groups);
        let layout = PermLayout::new(shape);
        assert!(layout.rows_needed() <= precompiles::keccak::circuit::usable_rows(shape));
        assert!(KeccakCircuit::keygen(shape).is_ok(), "{shape:?}");
    }
    assert!(KeccakParams::fitting(18, 6, 4).capacity >= 200);
}

#[test]
fn shapes_that_do_not_fit_are_refused() {
    let too_many = KeccakParams { capacity: 4, ..shape() };
    assert!(KeccakCircuit::keygen(too_many).is_err());
    let uneven = KeccakParams { capacity: 3, ..shape() };
    assert!(KeccakCircuit::keygen(uneven).is_err());
    let table_too_large = KeccakParams { k: 13, capacity: 2, part_width: 6, groups: 2 };
    assert!(KeccakCircuit::keygen(table_too_large).is_err());
    let batch = KeccakBatch::new(states(3, 3), Fr::from(0));
    assert!(KeccakCircuit::new(shape(), &batch).is_err());
}
