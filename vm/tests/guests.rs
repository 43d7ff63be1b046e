//! The example guests run in the executor, in fast and in trace mode, with the expected
//! public outputs.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use abi::io::{decode_single_committed, InputBuilder};
use tiny_keccak::{Hasher, Keccak};
use vm::{ExecutionSummary, ExecutorConfig};

fn keccak256(data: &[u8]) -> [u8; 32] {
    let mut hasher = Keccak::v256();
    hasher.update(data);
    let mut out = [0u8; 32];
    hasher.finalize(&mut out);
    out
}

/// Runs `elf` in both modes, checks they agree, and returns the fast-mode summary.
fn run_both(elf: &[u8], input: &[u8]) -> ExecutionSummary {
    let config = ExecutorConfig { segment_po2: 14, ..ExecutorConfig::default() };
    let fast = vm::execute(elf, input, &config).expect("guest runs");
    let (traced, segments) = vm::trace(elf, input, &config).expect("guest traces");
    assert_eq!(fast, traced, "fast and trace mode agree");
    assert_eq!(segments.len() as u64, fast.segments);
    fast
}

fn frame(bytes: &[u8]) -> Vec<u8> {
    let mut input = InputBuilder::new();
    input.write_bytes(bytes).unwrap();
    input.into_bytes()
}

#[test]
fn fibonacci_commits_fib_n() {
    for (n, expected) in [(0u32, 0u64), (1, 1), (10, 55), (90, 2_880_067_194_370_816_120)] {
        let mut input = InputBuilder::new();
        input.write(&n).unwrap();
        let summary = run_both(guests::FIBONACCI_ELF, &input.into_bytes());
        assert_eq!(summary.exit_code, 0);
        assert_eq!(decode_single_committed::<(u32, u64)>(&summary.output).unwrap(), (n, expected));
        assert_eq!(summary.syscalls.halt, 1);
    }
}

#[test]
fn keccak_guest_hashes_through_the_syscall() {
    for len in [0usize, 3, 8, 127, 128, 135, 136, 137, 271, 272, 1000] {
        let data: Vec<u8> = (0..len).map(|i| (i * 7 + 1) as u8).collect();
        let summary = run_both(guests::KECCAK_ELF, &frame(&data));
        assert_eq!(summary.exit_code, 0);
        assert_eq!(summary.output, keccak256(&data), "length {len}");
        assert_eq!(summary.syscalls.keccak_permute, (len / 136 + 1) as u64);
    }
}

#[test]
fn revm_smoke_deploys_and_calls_a_contract() {
    let mut word = [0u8; 32];
    word[31] = 42;
    let summary = run_both(guests::REVM_SMOKE_ELF, &frame(&word));
    assert_eq!(summary.exit_code, 0, "logs: {:?}", summary.logs);
    assert_eq!(summary.output, keccak256(&word));
    assert!(summary.segments > 1, "revm-smoke spans several 2^14-row segments");
}

#[test]
fn a_panicking_guest_halts_with_the_panic_code_and_logs_why() {
    // An empty frame is not a valid postcard u32.
    let summary = vm::execute(guests::FIBONACCI_ELF, &frame(&[]), &ExecutorConfig::default())
        .expect("a guest panic is a halt, not an executor error");
    assert_eq!(summary.exit_code, abi::syscall::EXIT_PANIC);
    assert!(summary.output.is_empty());
    assert!(summary.logs.iter().any(|l| l.contains("guest panicked")), "{:?}", summary.logs);
}

#[test]
fn a_guest_without_input_fails_with_a_typed_error() {
    let err = vm::execute(guests::FIBONACCI_ELF, &[], &ExecutorConfig::default()).unwrap_err();
    assert!(
        matches!(&err, vm::VmError::Execution(e) if matches!(e.kind, vm::ErrorKind::InputExhausted { .. })),
        "{err}"
    );
}

#[test]
fn a_run_in_slices_ends_as_one_run() {
    let input = frame(&[7u8; 1000]);
    let config = ExecutorConfig::default();
    let whole = vm::execute(guests::KECCAK_ELF, &input, &config).unwrap();
    let program = vm::Program::from_elf(guests::KECCAK_ELF).unwrap();
    let mut machine = vm::Executor::new(&program, input, config).unwrap();
    let mut slices = 0;
    let sliced = loop {
        slices += 1;
        let before = machine.cycles();
        match machine.run_fast_for(101).unwrap() {
            Some(summary) => break summary,
            // A syscall's data rows may carry a slice a little past its end.
            None => assert!(machine.cycles() >= before + 101, "a slice runs its rows"),
        }
    };
    assert_eq!(sliced, whole);
    assert!(slices > 50, "the run was really sliced ({slices} slices)");
}

#[test]
fn a_sliced_run_still_stops_at_the_cycle_limit() {
    let config = ExecutorConfig { cycle_limit: 5_000, ..ExecutorConfig::default() };
    let program = vm::Program::from_elf(guests::KECCAK_ELF).unwrap();
    let mut machine = vm::Executor::new(&program, frame(&[1u8; 5000]), config).unwrap();
    let error = loop {
        match machine.run_fast_for(1_000) {
            Ok(None) => continue,
            Ok(Some(_)) => panic!("the guest cannot finish within 5,000 cycles"),
            Err(error) => break error,
        }
    };
    assert_eq!(error.kind, vm::ErrorKind::CycleLimitExceeded(5_000));
    assert_eq!(error.cycle, 5_000);
}
