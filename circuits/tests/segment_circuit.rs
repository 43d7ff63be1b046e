//! The segment circuit accepts real traces (MockProver), each segment against the memory
//! tree and chains the segments before it left; the chains the circuit computes from its
//! syscall rows are the ones `circuits::chains` defines over the calls.
#![allow(clippy::unwrap_used)]

mod support;

use abi::io::InputBuilder;
use circuits::chains::{Chain, Chains};
use circuits::segment::SegmentCircuit;
use halo2_base::halo2_proofs::dev::MockProver;
use vm::ExecutorConfig;

/// The smallest segment circuit (its AND table fills 2^16 rows).
const K: u32 = circuits::segment::MIN_SEGMENT_K;

fn config() -> ExecutorConfig {
    ExecutorConfig { segment_po2: K, ..ExecutorConfig::default() }
}

fn accept(circuit: &SegmentCircuit) {
    let prover = MockProver::run(K, circuit, circuit.instances()).unwrap();
    if let Err(failures) = prover.verify_par() {
        for f in failures.iter().take(10) {
            eprintln!("{f}");
        }
        panic!("{} failures", failures.len());
    }
}

/// Every segment's witness meets the next one's; MockProver runs on `check` of them (all
/// when `None`), as each run costs half a minute.
fn accept_guest(elf: &[u8], input: &[u8], check: Option<&[usize]>) {
    let (_, records) = vm::trace(elf, input, &config()).unwrap();
    let circuits = support::elf_circuits(K, elf, &records);
    // Segments meet: each starts from the memory root and chains the one before it left
    // (the circuit's ends come from its rows, the next starts from the calls).
    for pair in circuits.windows(2) {
        let (a, b) = (pair[0].public_inputs().unwrap(), pair[1].public_inputs().unwrap());
        assert_eq!(a.mem_root_end, b.mem_root_start);
        assert_eq!(a.pc_end, b.pc_start);
        assert_eq!(a.chains_end, b.chains_start);
    }
    let all: Vec<usize> = (0..circuits.len()).collect();
    for &i in check.unwrap_or(&all) {
        accept(&circuits[i]);
    }
}

#[test]
fn fibonacci_segment_is_accepted() {
    let mut input = InputBuilder::new();
    input.write(&10u32).unwrap();
    let program = vm::Program::from_elf(guests::FIBONACCI_ELF).unwrap();
    let (_, records) = vm::trace(guests::FIBONACCI_ELF, &input.into_bytes(), &config()).unwrap();
    let circuits = support::circuits(K, &program, &records);
    // The first segment starts from the program's identity.
    let public = circuits[0].public_inputs().unwrap();
    assert_eq!(public.mem_root_start, circuits::paging::program_id(&program));
    assert_ne!(public.mem_root_end, public.mem_root_start);
    for circuit in &circuits {
        accept(circuit);
    }
}

#[test]
fn keccak_and_revm_segments_are_accepted() {
    let mut input = InputBuilder::new();
    input.write_bytes(b"segment circuit").unwrap();
    accept_guest(guests::KECCAK_ELF, &input.into_bytes(), None);
    let mut word = [0u8; 32];
    word[31] = 42;
    let mut input = InputBuilder::new();
    input.write_bytes(&word).unwrap();
    // revm-smoke's paging cuts it into many segments: the first, one in the middle and
    // the last are checked.
    let (_, records) =
        vm::trace(guests::REVM_SMOKE_ELF, &input.clone().into_bytes(), &config()).unwrap();
    let last = records.len() - 1;
    accept_guest(guests::REVM_SMOKE_ELF, &input.into_bytes(), Some(&[0, last / 2, last]));
}

#[test]
fn random_programs_covering_every_opcode_are_accepted() {
    for seed in 1..=2 {
        let program = testkit::random_program::program(seed);
        let (_, records) = vm::trace_program(&program, &[], &config()).unwrap();
        for circuit in &support::circuits(K, &program, &records) {
            accept(circuit);
        }
    }
}

#[test]
fn every_syscall_is_accepted_and_feeds_its_chain() {
    let (program, input) = testkit::syscall_program::program();
    let (summary, records) = vm::trace_program(&program, &input, &config()).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(summary.syscalls.secp256k1_recover, 2);
    let circuits = support::circuits(K, &program, &records);
    let public = circuits[0].public_inputs().unwrap();
    assert_eq!(public.chains_start, Chains::initial());
    assert_eq!(public.chains_end, Chains::initial().apply_segment(&records[0]));
    for chain in Chain::ALL {
        assert_ne!(public.chains_end.get(chain), public.chains_start.get(chain), "{chain:?}");
    }
    accept(&circuits[0]);
}
