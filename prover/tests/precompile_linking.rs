//! The keccak and secp nodes' rule on its own, with MockProver on the gadgets: the
//! boundaries of a real run (several segments) and its precompile batches' chain values
//! are witnessed, the segments linked, the batches discharged one by one from the last
//! against the execution's chain (`gadgets::precompile`), as the chain of keccak or secp
//! nodes does, and the root statement proved over the result. Each
//! test changes one thing about the batches, for both precompiles: the `keccak` guest's
//! keccak-f calls, and `testkit::recover_program`'s SECP256K1_RECOVER calls.
#![allow(clippy::unwrap_used)]

use abi::io::InputBuilder;
use circuits::chains::Chain;
use circuits::Fr;
use halo2_base::gates::circuit::builder::BaseCircuitBuilder;
use halo2_base::gates::circuit::CircuitBuilderStage;
use halo2_base::gates::{RangeChip, RangeInstructions};
use halo2_base::halo2_proofs::dev::MockProver;
use halo2_base::{AssignedValue, Context};
use precompiles::keccak::KeccakBatch;
use precompiles::secp256k1::SecpBatch;
use prover::boundary::Boundary;
use prover::gadgets::link::{link, AssignedBoundary};
use prover::gadgets::precompile::{discharge_batch, AssignedBatch};
use prover::gadgets::statement::root_statement;
use prover::OutputDigest;
use vm::{ExecutorConfig, Program};

const K: usize = 14;

struct Run {
    chain: Chain,
    boundaries: Vec<Boundary>,
    batches: Vec<(Fr, Fr)>,
    program_id: Fr,
    digest: OutputDigest,
}

/// A run of `program` on `input` at 2^12-row segments, with `batches` cutting its calls
/// into `(start, end)` pairs of 2 calls each.
fn run(
    chain: Chain,
    program: &Program,
    input: &[u8],
    batches: impl Fn(&[vm::trace::PrecompileCall]) -> Vec<(Fr, Fr)>,
) -> Run {
    let config = ExecutorConfig { segment_po2: 12, ..ExecutorConfig::default() };
    let (summary, records) = vm::trace_program(program, input, &config).unwrap();
    let calls: Vec<_> = records.iter().flat_map(|r| r.precompile_calls.clone()).collect();
    let batches = batches(&calls);
    assert!(records.len() >= 2 && batches.len() >= 3, "{} segments", records.len());
    Run {
        chain,
        boundaries: Boundary::of_records(program, &records),
        batches,
        program_id: circuits::paging::program_id(program),
        digest: OutputDigest::from_run(summary.syscalls.commit, &summary.output).unwrap(),
    }
}

/// The `keccak` guest hashing 600 bytes.
fn keccak_run() -> Run {
    let program = Program::from_elf(guests::KECCAK_ELF).unwrap();
    let mut input = InputBuilder::new();
    input.write_bytes(&[0x61; 600]).unwrap();
    run(Chain::Keccak, &program, &input.into_bytes(), |calls| {
        let batches = KeccakBatch::split(calls, 2).unwrap();
        batches.iter().map(|b| (b.chain_start(), b.chain_end())).collect()
    })
}

/// 100 recoveries, a third of them failing.
fn secp_run() -> Run {
    run(Chain::Secp, &testkit::recover_program::program(100), &[], |calls| {
        let batches = SecpBatch::split(calls, 2).unwrap();
        batches.iter().map(|b| (b.chain_start(), b.chain_end())).collect()
    })
}

/// Both runs.
fn runs() -> [Run; 2] {
    [keccak_run(), secp_run()]
}

/// Links the run's segments, discharges `batches` (none: no precompile node) against
/// `chain` from the last to the first, and proves the root statement.
fn satisfied(run: &Run, batches: &[(Fr, Fr)]) -> bool {
    satisfied_on(run, run.chain, batches)
}

fn satisfied_on(run: &Run, chain: Chain, batches: &[(Fr, Fr)]) -> bool {
    mock(run, |ctx, range| {
        let children: Vec<AssignedBoundary> =
            run.boundaries.iter().map(|b| AssignedBoundary::witness(ctx, b)).collect();
        let linked = link(ctx, range.gate(), &children);
        let whole = discharge_all(ctx, range, linked, chain, batches);
        root_statement(ctx, range, &whole, &run.digest).to_instances()
    })
}

/// `batches` discharged one node at a time, the last first.
fn discharge_all(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    mut whole: AssignedBoundary,
    chain: Chain,
    batches: &[(Fr, Fr)],
) -> AssignedBoundary {
    for &(start, end) in batches.iter().rev() {
        let batch = AssignedBatch { start: ctx.load_witness(start), end: ctx.load_witness(end) };
        whole = discharge_batch(ctx, range.gate(), &whole, chain, &batch);
    }
    whole
}

/// MockProver over what `build` constrains, with the run's statement as the instances
/// when `build` exposes it.
fn mock(
    run: &Run,
    build: impl FnOnce(&mut Context<Fr>, &RangeChip<Fr>) -> Vec<AssignedValue<Fr>>,
) -> bool {
    let mut builder = BaseCircuitBuilder::<Fr>::from_stage(CircuitBuilderStage::Mock)
        .use_k(K)
        .use_lookup_bits(8)
        .use_instance_columns(1);
    let range = builder.range_chip();
    let exposed = build(builder.main(0), &range);
    let values: Vec<Fr> = if exposed.is_empty() {
        Vec::new()
    } else {
        let [hi, lo] = run.digest.halves();
        vec![run.program_id, hi, lo]
    };
    builder.assigned_instances[0].extend(exposed);
    builder.calculate_params(Some(9));
    MockProver::run(K as u32, &builder, vec![values]).unwrap().verify().is_ok()
}

#[test]
fn the_batches_of_a_run_discharge_its_chain() {
    for run in runs() {
        assert!(satisfied(&run, &run.batches), "{:?}", run.chain);
    }
}

#[test]
fn without_the_batches_a_run_has_no_root() {
    for run in runs() {
        assert!(!satisfied(&run, &[]), "{:?}", run.chain);
    }
}

#[test]
fn batches_discharged_against_the_other_chain_are_rejected() {
    for run in runs() {
        let other = if run.chain == Chain::Keccak { Chain::Secp } else { Chain::Keccak };
        assert!(!satisfied_on(&run, other, &run.batches), "{:?}", run.chain);
    }
}

#[test]
fn a_dropped_batch_is_rejected_first_middle_or_last() {
    for run in runs() {
        for index in [0, 1, run.batches.len() - 1] {
            let mut batches = run.batches.clone();
            batches.remove(index);
            assert!(!satisfied(&run, &batches), "{:?}: batch {index} dropped", run.chain);
        }
    }
}

#[test]
fn reordered_batches_are_rejected() {
    for run in runs() {
        let mut batches = run.batches.clone();
        batches.swap(1, 2);
        assert!(!satisfied(&run, &batches), "{:?}", run.chain);
    }
}

#[test]
fn a_batch_chain_that_does_not_start_at_the_initial_value_is_rejected() {
    for run in runs() {
        let mut batches = run.batches.clone();
        batches.insert(0, (Fr::from(7), run.batches[0].0));
        assert!(!satisfied(&run, &batches), "{:?}", run.chain);
    }
}

#[test]
fn a_batch_chain_that_misses_the_vm_chain_end_is_rejected() {
    for run in runs() {
        let mut batches = run.batches.clone();
        let last = batches.len() - 1;
        batches[last].1 += Fr::from(1);
        assert!(!satisfied(&run, &batches), "{:?}", run.chain);
    }
}

#[test]
fn only_a_halted_execution_has_its_batches_discharged() {
    for run in runs() {
        for halted in [true, false] {
            let mut boundaries = run.boundaries.clone();
            if let Some(last) = boundaries.last_mut() {
                last.halted = halted;
            }
            let accepted = mock(&run, |ctx, range| {
                let children: Vec<AssignedBoundary> =
                    boundaries.iter().map(|b| AssignedBoundary::witness(ctx, b)).collect();
                let whole = link(ctx, range.gate(), &children);
                discharge_all(ctx, range, whole, run.chain, &run.batches);
                Vec::new()
            });
            assert_eq!(accepted, halted, "{:?}, halted: {halted}", run.chain);
        }
    }
}
