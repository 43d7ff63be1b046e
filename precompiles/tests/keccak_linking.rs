//! Linking: a batch proof holds only for the calls the VM made, in the VM's order, from the
//! chain value the VM had. Each wrong claim is refused by the circuit's constraints (the
//! chain against the public inputs), and the batches of a real guest's calls meet the VM's
//! own keccak chain.

mod support;

use abi::io::InputBuilder;
use circuits::chains::{call_values, pack_values, Chain, Chains};
use circuits::segment::SegmentStart;
use precompiles::keccak::{spec, KeccakBatch};
use precompiles::Fr;
use support::*;
use vm::trace::PrecompileCall;
use vm::{ExecutorConfig, Program};

fn chain_end(start: Fr, calls: &[([u64; 25], [u64; 25])]) -> Fr {
    let mut chains = Chains::new([Fr::from(0), start, Fr::from(0)]);
    for (input, output) in calls {
        let call = PrecompileCall::KeccakPermute { input: *input, output: *output };
        chains.absorb(Chain::Keccak, &call_values(&call).1);
    }
    chains.get(Chain::Keccak)
}

fn honest(input: [u64; 25]) -> ([u64; 25], [u64; 25]) {
    (input, spec::keccak_f(&input))
}

#[test]
fn the_circuit_computes_the_vm_chain() {
    let [a, b] = [states(2, 9)[0], states(2, 9)[1]];
    let circuit = circuit(vec![a, b]);
    assert_eq!(circuit.instances()[0][1], chain_end(Fr::from(11), &[honest(a), honest(b)]));
    assert!(failures(&circuit).is_empty());
    let _ = pack_values;
}

#[test]
fn a_dropped_call_is_refused() {
    let [a, b] = [states(2, 9)[0], states(2, 9)[1]];
    let claimed = vec![vec![Fr::from(11), chain_end(Fr::from(11), &[honest(a), honest(b)])]];
    let found = failures_with(&circuit(vec![a]), claimed);
    assert_fails(&found, "public input", Some(1), &[]);
}

#[test]
fn reordered_calls_are_refused() {
    let [a, b] = [states(2, 9)[0], states(2, 9)[1]];
    let claimed = vec![vec![Fr::from(11), chain_end(Fr::from(11), &[honest(a), honest(b)])]];
    let found = failures_with(&circuit(vec![b, a]), claimed);
    assert_fails(&found, "public input", Some(1), &[]);
}

#[test]
fn an_output_changed_together_with_its_chain_is_refused() {
    let a = states(1, 9)[0];
    let (input, mut output) = honest(a);
    output[7] ^= 1 << 33;
    let claimed = vec![vec![Fr::from(11), chain_end(Fr::from(11), &[(input, output)])]];
    let found = failures_with(&circuit(vec![a]), claimed);
    assert_fails(&found, "public input", Some(1), &[]);
}

#[test]
fn a_batch_that_does_not_start_where_the_vm_chain_is_refused() {
    let a = states(1, 9)[0];
    let honest_circuit = circuit(vec![a]);
    let mut claimed = honest_circuit.instances();
    claimed[0][0] = Fr::from(12);
    let found = failures_with(&honest_circuit, claimed);
    assert_fails(&found, "public input", Some(0), &[]);
}

#[test]
fn batches_of_a_guest_run_meet_the_vm_keccak_chain() {
    let elf = guests::KECCAK_ELF;
    let program = Program::from_elf(elf).unwrap();
    let mut input = InputBuilder::new();
    input.write_bytes(&vec![0x61u8; 3000]).unwrap();
    let config = ExecutorConfig { segment_po2: 14, ..ExecutorConfig::default() };
    let (_, records) = vm::trace_program(&program, &input.into_bytes(), &config).unwrap();
    assert!(records.len() >= 2, "the run spans segments");
    let mut start = SegmentStart::initial(&program);
    let mut calls = Vec::new();
    for record in &records {
        start.apply_segment(record);
        calls.extend(record.precompile_calls.iter().cloned());
    }
    let permutations = calls.len();
    assert!(permutations >= 20, "{permutations} permutations");
    let batches = KeccakBatch::split(&calls, 7).unwrap();
    assert_eq!(batches[0].chain_start(), Fr::from(0));
    for pair in batches.windows(2) {
        assert_eq!(pair[1].chain_start(), pair[0].chain_end());
    }
    let last = batches.last().unwrap();
    assert_eq!(last.chain_end(), start.chains.get(Chain::Keccak));
    // The first two calls of the run, proved by the circuit from the initial chain.
    let first = KeccakBatch::split(&calls[..2], 2).unwrap().remove(0);
    let circuit = precompiles::keccak::KeccakCircuit::new(shape(), &first).unwrap();
    assert!(failures(&circuit).is_empty());
}

#[test]
fn a_call_whose_output_is_not_keccak_f_has_no_batch() {
    let (input, mut output) = honest(states(1, 9)[0]);
    output[0] ^= 1;
    let calls = [PrecompileCall::KeccakPermute { input, output }];
    assert!(KeccakBatch::from_calls(&calls, Fr::from(0)).is_err());
}
