//! The tree's in-circuit rules, each on its own, with MockProver on the gadgets alone:
//! child boundaries are witnessed (here: the real boundaries of real runs, computed
//! natively), linked by `gadgets::link` and closed by `gadgets::statement`, whose outputs
//! are bound to the instance column. Each test changes one thing, so each rule has a test
//! that fails when the rule is removed.
#![allow(clippy::unwrap_used)]

use abi::io::InputBuilder;
use circuits::chains::Chain;
use circuits::Fr;
use halo2_base::gates::circuit::builder::BaseCircuitBuilder;
use halo2_base::gates::circuit::CircuitBuilderStage;
use halo2_base::gates::RangeInstructions;
use halo2_base::halo2_proofs::dev::MockProver;
use prover::boundary::Boundary;
use prover::gadgets::link::{link, AssignedBoundary};
use prover::gadgets::statement::root_statement;
use prover::OutputDigest;
use vm::{ExecutorConfig, Program};

const K: usize = 14;

/// A run of `fibonacci-digest` on `n` at 2^9-row segments: its boundaries, program id and
/// digest.
fn run(elf: &[u8], n: u32) -> (Vec<Boundary>, Fr, OutputDigest) {
    let mut input = InputBuilder::new();
    input.write(&n).unwrap();
    let config = ExecutorConfig { segment_po2: 9, ..ExecutorConfig::default() };
    let program = Program::from_elf(elf).unwrap();
    let (summary, records) = vm::trace_program(&program, &input.into_bytes(), &config).unwrap();
    let boundaries = Boundary::of_records(&program, &records);
    let digest = OutputDigest::from_run(summary.syscalls.commit, &summary.output)
        .unwrap_or(OutputDigest([0; 32]));
    (boundaries, circuits::paging::program_id(&program), digest)
}

fn honest() -> (Vec<Boundary>, Fr, OutputDigest) {
    let (boundaries, id, digest) = run(guests::FIBONACCI_DIGEST_ELF, 300);
    assert!(boundaries.len() >= 4, "enough segments to link: {}", boundaries.len());
    (boundaries, id, digest)
}

/// Links `groups` of children into nodes, links the nodes, proves the root statement over
/// `digest`, and checks it against the public statement `(program_id, digest)`.
fn satisfied(
    groups: &[&[Boundary]],
    digest: &OutputDigest,
    program_id: Fr,
    public_digest: &OutputDigest,
) -> bool {
    let mut builder = BaseCircuitBuilder::<Fr>::from_stage(CircuitBuilderStage::Mock)
        .use_k(K)
        .use_lookup_bits(8)
        .use_instance_columns(1);
    let range = builder.range_chip();
    let ctx = builder.main(0);
    let nodes: Vec<AssignedBoundary> = groups
        .iter()
        .map(|group| {
            let children: Vec<AssignedBoundary> =
                group.iter().map(|b| AssignedBoundary::witness(ctx, b)).collect();
            link(ctx, range.gate(), &children)
        })
        .collect();
    let whole = link(ctx, range.gate(), &nodes);
    let statement = root_statement(ctx, &range, &whole, digest);
    builder.assigned_instances[0].extend(statement.to_instances());
    builder.calculate_params(Some(9));
    let [hi, lo] = public_digest.halves();
    MockProver::run(K as u32, &builder, vec![vec![program_id, hi, lo]]).unwrap().verify().is_ok()
}

fn one_node(children: &[Boundary], digest: &OutputDigest, program_id: Fr) -> bool {
    satisfied(&[children], digest, program_id, digest)
}

#[test]
fn an_honest_run_links_in_one_node_and_in_a_two_level_tree() {
    let (b, id, digest) = honest();
    assert!(one_node(&b, &digest, id));
    let (left, right) = b.split_at(b.len() / 2);
    assert!(satisfied(&[left, right], &digest, id, &digest));
}

#[test]
fn swapped_segments_are_rejected() {
    let (mut b, id, digest) = honest();
    b.swap(1, 2);
    assert!(!one_node(&b, &digest, id));
}

#[test]
fn a_dropped_segment_is_rejected() {
    let (mut b, id, digest) = honest();
    b.remove(1);
    assert!(!one_node(&b, &digest, id));
}

#[test]
fn a_segment_of_another_input_or_program_spliced_in_is_rejected() {
    let (mut b, id, digest) = honest();
    let (other_input, _, _) = run(guests::FIBONACCI_DIGEST_ELF, 301);
    b[2] = other_input[2];
    assert!(!one_node(&b, &digest, id));
    let (mut b, id, digest) = honest();
    let (other_program, _, _) = run(guests::FIBONACCI_ELF, 300);
    b[2] = other_program[2];
    assert!(!one_node(&b, &digest, id));
}

#[test]
fn each_linked_field_must_match_between_neighbours() {
    let (b, id, digest) = honest();
    type Tamper = fn(&mut Boundary);
    let tampers: [(&str, Tamper); 5] = [
        ("pc", |x| x.pc_start += 4),
        ("memory root", |x| x.mem_root_start += Fr::one()),
        ("output chain", |x| {
            x.chains_start.set(Chain::Output, x.chains_start.get(Chain::Output) + Fr::one())
        }),
        ("keccak chain", |x| x.chains_start.set(Chain::Keccak, Fr::from(5))),
        ("secp chain", |x| x.chains_start.set(Chain::Secp, Fr::from(5))),
    ];
    for (name, tamper) in tampers {
        let mut changed = b.clone();
        tamper(&mut changed[2]);
        assert!(!one_node(&changed, &digest, id), "a mismatched {name} was accepted");
    }
}

#[test]
fn a_segment_that_halted_before_the_last_is_rejected() {
    let (mut b, id, digest) = honest();
    // Even with the exit code 0 and every state field linked, a halt mid-run is refused.
    b[1].halted = true;
    assert!(!one_node(&b, &digest, id));
}

#[test]
fn the_first_segment_must_start_at_the_program_id_with_initial_chains() {
    let (b, id, digest) = honest();
    // The statement exposes the first segment's memory root: another program id fails.
    assert!(!one_node(&b, &digest, id + Fr::one()));
    // A run that starts elsewhere, each chain alone.
    for chain in Chain::ALL {
        let mut changed = b.clone();
        changed[0].chains_start.set(chain, Fr::from(9));
        assert!(
            !one_node(&changed, &digest, id),
            "{chain:?} did not have to start at its initial value"
        );
    }
    // Starting at a later segment (a prefix dropped) is also another memory root.
    assert!(!one_node(&b[1..], &digest, id));
}

#[test]
fn the_last_segment_must_halt_with_exit_code_zero() {
    let (b, id, digest) = honest();
    // A prefix of the run: it has not halted.
    assert!(!one_node(&b[..b.len() - 1], &digest, id));
    // The whole run with only the halt flag cleared: the halt check alone objects.
    let mut running = b.clone();
    running.last_mut().unwrap().halted = false;
    assert!(!one_node(&running, &digest, id));
    let mut failed = b;
    failed.last_mut().unwrap().exit_code = 1;
    assert!(!one_node(&failed, &digest, id));
}

#[test]
fn the_output_digest_must_be_the_committed_one() {
    let (b, id, digest) = honest();
    let mut other = digest;
    other.0[31] ^= 1;
    // A digest the output chain does not commit to, stated and witnessed.
    assert!(!satisfied(&[&b], &other, id, &other));
    // The right witness, another public digest.
    assert!(!satisfied(&[&b], &digest, id, &other));
}

#[test]
fn a_run_with_precompile_calls_has_no_root() {
    let (b, id, digest) = honest();
    for chain in [Chain::Keccak, Chain::Secp] {
        let mut changed = b.clone();
        changed.last_mut().unwrap().chains_end.set(chain, Fr::from(3));
        assert!(!one_node(&changed, &digest, id), "{chain:?} calls passed the root");
    }
}
