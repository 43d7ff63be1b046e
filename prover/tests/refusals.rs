//! What `prove` refuses before it proves anything, and what `execute` reports. Cheap: no
//! parameters, keys or proofs are made.
#![allow(clippy::unwrap_used)]

use abi::io::InputBuilder;
use prover::{execute, prove, Keys, ProveError, TreeConfig};

fn config() -> TreeConfig {
    TreeConfig { segment_po2: 17, ..TreeConfig::default() }
}

fn frame_u32(n: u32) -> Vec<u8> {
    let mut input = InputBuilder::new();
    input.write(&n).unwrap();
    input.into_bytes()
}

#[test]
fn execute_reports_cycles_segments_output_and_precompile_calls() {
    let run = execute(guests::FIBONACCI_DIGEST_ELF, &frame_u32(20_000), &config()).unwrap();
    println!("fibonacci-digest(20000): {} cycles, {} segments", run.cycles, run.segments);
    assert!(run.segments >= 2, "the end-to-end program spans segments");
    let digest = run.digest.unwrap();
    assert_eq!(digest.0[..8], 20_000u64.to_be_bytes());
    assert_eq!((run.keccak_calls, run.secp_calls, run.exit_code), (0, 0, 0));
    let keccak = execute(
        guests::KECCAK_ELF,
        &{
            let mut input = InputBuilder::new();
            input.write_bytes(b"abc").unwrap();
            input.into_bytes()
        },
        &config(),
    )
    .unwrap();
    assert!(keccak.keccak_calls > 0);
}

#[test]
fn a_run_with_secp256k1_calls_is_no_longer_refused_for_them() {
    // Its recoveries (one valid, one failing) are accepted for proving; what stops this
    // program before any proof is its output, two COMMITs rather than one digest.
    let keys = Keys::new(config(), prover::ParamsSource::Development, None);
    let (program, input) = testkit::syscall_program::program();
    let err = prover::prove_program(&program, &input, &keys, &mut |_| {}).unwrap_err();
    assert!(matches!(err, ProveError::Output(_)), "{err}");
}

#[test]
fn an_output_that_is_not_one_digest_is_refused() {
    let keys = Keys::new(config(), prover::ParamsSource::Development, None);
    // fibonacci commits a postcard (n, fib(n)), not a 32-byte digest.
    let err = prove(guests::FIBONACCI_ELF, &frame_u32(10), &keys).unwrap_err();
    assert!(matches!(err, ProveError::Output(_)), "{err}");
}

#[test]
fn a_failed_run_has_no_proof() {
    let keys = Keys::new(config(), prover::ParamsSource::Development, None);
    // No input frame: the guest panics (exit code 101) reading it, or the executor stops.
    let err = prove(guests::FIBONACCI_DIGEST_ELF, &[], &keys).unwrap_err();
    assert!(matches!(err, ProveError::ExitCode(_) | ProveError::Execution(_)), "{err}");
    let err = prove(b"not an elf", &[], &keys).unwrap_err();
    assert!(matches!(err, ProveError::Execution(_)), "{err}");
}

#[test]
fn a_part_outside_the_run_or_with_the_wrong_children_is_refused_before_proving() {
    let keys = Keys::development(config());
    let program = vm::Program::from_elf(guests::FIBONACCI_DIGEST_ELF).unwrap();
    let input = frame_u32(20_000);
    let plan = prover::plan(&program, &input, &config()).unwrap();
    assert_eq!(plan.shape.segments, 2);
    // Parts the run does not have, and a root or wrapper without its child: refused before
    // any parameters or keys are made.
    let refused = |part| prover::prove_part(&program, &input, &keys, part, vec![]);
    assert!(matches!(refused(prover::Part::Segment(2)), Err(ProveError::Part(_))));
    assert!(matches!(refused(prover::Part::KeccakBatch(0)), Err(ProveError::Part(_))));
    assert!(matches!(refused(prover::Part::Root), Err(ProveError::Part(_))));
    assert!(matches!(refused(prover::Part::Wrapper), Err(ProveError::Part(_))));
    assert!(matches!(
        prover::snark_from_bytes(b"not a snark"),
        Err(ProveError::Part(message)) if message.contains("does not decode")
    ));
}
