//! The segment circuit accepts real traces (MockProver).
#![allow(clippy::unwrap_used)]

use abi::io::InputBuilder;
use circuits::segment::SegmentCircuit;
use halo2_base::halo2_proofs::dev::MockProver;
use vm::ExecutorConfig;

/// The smallest segment circuit (its AND table fills 2^16 rows).
const K: u32 = circuits::segment::MIN_SEGMENT_K;

fn segments(elf: &[u8], input: &[u8]) -> Vec<vm::SegmentRecord> {
    let config = ExecutorConfig { segment_po2: K, ..ExecutorConfig::default() };
    vm::trace(elf, input, &config).unwrap().1
}

fn accept(record: &vm::SegmentRecord) {
    let circuit = SegmentCircuit::new(K, record).unwrap();
    let prover = MockProver::run(K, &circuit, circuit.instances()).unwrap();
    if let Err(failures) = prover.verify() {
        for f in failures.iter().take(10) {
            eprintln!("{f}");
        }
        panic!("{} failures", failures.len());
    }
}

#[test]
fn fibonacci_segment_is_accepted() {
    let mut input = InputBuilder::new();
    input.write(&10u32).unwrap();
    let segments = segments(guests::FIBONACCI_ELF, &input.into_bytes());
    for record in &segments {
        accept(record);
    }
}

#[test]
fn keccak_and_revm_segments_are_accepted() {
    let mut input = InputBuilder::new();
    input.write_bytes(b"segment circuit").unwrap();
    for record in segments(guests::KECCAK_ELF, &input.into_bytes()) {
        accept(&record);
    }
    let mut word = [0u8; 32];
    word[31] = 42;
    let mut input = InputBuilder::new();
    input.write_bytes(&word).unwrap();
    for record in segments(guests::REVM_SMOKE_ELF, &input.into_bytes()) {
        accept(&record);
    }
}

#[test]
fn random_programs_covering_every_opcode_are_accepted() {
    let config = ExecutorConfig { segment_po2: K, ..ExecutorConfig::default() };
    for seed in 1..=2 {
        let program = testkit::random_program::program(seed);
        let (_, records) = vm::trace_program(&program, &[], &config).unwrap();
        for record in &records {
            accept(record);
        }
    }
}
