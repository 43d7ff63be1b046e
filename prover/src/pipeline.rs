//! `execute`, `prove` and `verify`: the stages in order, each a call into the pieces of
//! this crate.

use std::time::Instant;

use circuits::memory::release_freed;
use circuits::segment::{prove_segment, SegmentStart};
use circuits::Fr;
use halo2_base::gates::circuit::CircuitBuilderStage;
use snark_verifier_sdk::Snark;
use vm::{ExecutorConfig, Program};

use crate::boundary::Boundary;
use crate::keys::{Keys, NodeKey, TreeConfig};
use crate::node::{build_circuit, instances, NodeKind};
use crate::output::OutputDigest;
use crate::plan::inner_levels;
use crate::proof::{scalar_hex, Proof, PublicInputs};
use crate::shape::TreeShape;
use crate::snark::{prove_evm, prove_poseidon, verify_evm};
use crate::tree_keys::wrapper_vk;
use crate::verifier::WrapperVk;
use crate::{ProveError, VerifyError};
use precompiles::keccak::KeccakBatch;
use precompiles::secp256k1::SecpBatch;
use vm::trace::PrecompileCall;

/// The most segments a proof may cover (2^16 segments of 2^18 rows: 17 G cycles). A file
/// that claims more is refused before any key is derived for it.
pub const MAX_SEGMENTS: u32 = 1 << 16;

/// What a run did (fast mode: no trace, no proof).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execution {
    /// The program's identity.
    pub program_id: Fr,
    /// Cycles (circuit rows) the run took.
    pub cycles: u64,
    /// Segments at the configured segment size.
    pub segments: u64,
    /// The exit code (0 is success).
    pub exit_code: u32,
    /// The committed bytes.
    pub output: Vec<u8>,
    /// The digest a proof would state, if the output is one 32-byte COMMIT.
    pub digest: Option<OutputDigest>,
    /// KECCAK_PERMUTE calls.
    pub keccak_calls: u64,
    /// SECP256K1_RECOVER calls.
    pub secp_calls: u64,
}

/// What a verified proof states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicOutput {
    /// The program that ran.
    pub program_id: Fr,
    /// The 32 bytes it committed.
    pub digest: OutputDigest,
}

/// A step of [`prove_with_progress`], as it finishes.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// The guest ran in trace mode.
    Executed {
        /// Cycles.
        cycles: u64,
        /// Segments.
        segments: usize,
        /// Seconds.
        secs: f64,
    },
    /// Segment `index` (of `total`) is proved.
    Segment {
        /// From 0.
        index: usize,
        /// Segments in all.
        total: usize,
        /// Seconds.
        secs: f64,
    },
    /// A node of the tree is proved.
    Node {
        /// `leaf` or `inner`.
        kind: &'static str,
        /// 0 for leaves, then up.
        level: usize,
        /// Its index in its level.
        index: usize,
        /// Nodes in its level.
        total: usize,
        /// The node's circuit and cost.
        stats: NodeStats,
    },
    /// A keccak-f batch is proved.
    KeccakBatch {
        /// From 0.
        index: usize,
        /// Batches in all.
        total: usize,
        /// Permutations in this batch.
        permutations: usize,
        /// Seconds.
        secs: f64,
    },
    /// A secp256k1 recovery batch is proved.
    SecpBatch {
        /// From 0.
        index: usize,
        /// Batches in all.
        total: usize,
        /// Recoveries in this batch.
        recoveries: usize,
        /// Seconds.
        secs: f64,
    },
    /// The wrapper is proved and the proof verified.
    Wrapped {
        /// The wrapper's circuit and cost.
        stats: NodeStats,
        /// Seconds of the final check ([`verify`]).
        verify_secs: f64,
    },
}

/// A node's circuit shape and what it cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NodeStats {
    /// log2 rows.
    pub k: u32,
    /// Advice columns.
    pub advice: usize,
    /// Lookup advice columns.
    pub lookup_advice: usize,
    /// Fixed columns.
    pub fixed: usize,
    /// Polynomials its proof commits to (advice, lookup, fixed, permutation, quotient):
    /// what verifying it costs the next node, at about 105k cells each.
    pub committed_polys: usize,
    /// Seconds to get the key (keygen, or a read from the cache).
    pub key_secs: f64,
    /// Seconds to prove (witness, proof and its check).
    pub prove_secs: f64,
}

impl NodeStats {
    fn new(key: &NodeKey, key_secs: f64, prove_secs: f64) -> Self {
        Self {
            k: key.config.degree,
            advice: key.config.num_advice,
            // With one advice column, halo2-base looks up in that column: no lookup column.
            lookup_advice: if key.config.num_advice == 1 {
                0
            } else {
                key.config.num_lookup_advice
            },
            fixed: key.config.num_fixed,
            committed_polys: circuits::snark::committed_polys(key.pk.get_vk()),
            key_secs,
            prove_secs,
        }
    }
}

pub(crate) fn executor_config(config: &TreeConfig) -> ExecutorConfig {
    ExecutorConfig { segment_po2: config.segment_po2, ..ExecutorConfig::default() }
}

/// Runs `elf` on `input` in fast mode.
pub fn execute(elf: &[u8], input: &[u8], config: &TreeConfig) -> Result<Execution, ProveError> {
    let program = Program::from_elf(elf).map_err(vm::VmError::from)?;
    let summary = vm::execute_program(&program, input, &executor_config(config))?;
    Ok(Execution {
        program_id: circuits::paging::program_id(&program),
        cycles: summary.cycles,
        segments: summary.segments,
        exit_code: summary.exit_code,
        digest: OutputDigest::from_run(summary.syscalls.commit, &summary.output).ok(),
        output: summary.output,
        keccak_calls: summary.syscalls.keccak_permute,
        secp_calls: summary.syscalls.secp256k1_recover,
    })
}

/// Proves a run of `elf` on `input`. See [`prove_with_progress`].
pub fn prove(elf: &[u8], input: &[u8], keys: &Keys) -> Result<Proof, ProveError> {
    prove_with_progress(elf, input, keys, &mut |_| {})
}

/// Proves a run of `elf` on `input`, reporting each finished step to `progress`. The
/// returned proof has passed [`verify`].
///
/// Refused before any proving: a run that fails or exits non-zero, and an output that is
/// not one 32-byte COMMIT. KECCAK_PERMUTE calls are proved in batches by the keccak-f
/// circuit and SECP256K1_RECOVER calls by the secp256k1 circuit; a keccak node and a secp
/// node under the wrapper link each precompile's batches to the execution's chain.
pub fn prove_with_progress(
    elf: &[u8],
    input: &[u8],
    keys: &Keys,
    progress: &mut dyn FnMut(Progress),
) -> Result<Proof, ProveError> {
    let program = Program::from_elf(elf).map_err(vm::VmError::from)?;
    prove_program(&program, input, keys, progress)
}

/// [`prove_with_progress`] for a loaded program.
pub fn prove_program(
    program: &Program,
    input: &[u8],
    keys: &Keys,
    progress: &mut dyn FnMut(Progress),
) -> Result<Proof, ProveError> {
    let config = keys.config().clone();
    let t = Instant::now();
    let (summary, records) = vm::trace_program(program, input, &executor_config(&config))?;
    if summary.exit_code != 0 {
        return Err(ProveError::ExitCode(summary.exit_code));
    }
    let calls: Vec<PrecompileCall> =
        records.iter().flat_map(|r| r.precompile_calls.iter().cloned()).collect();
    let keccak_batches = KeccakBatch::split(&calls, config.keccak.capacity)?;
    let secp_batches = SecpBatch::split(&calls, config.secp.capacity)?;
    drop(calls);
    let digest = OutputDigest::from_run(summary.syscalls.commit, &summary.output)?;
    let segments = u32::try_from(records.len())
        .ok()
        .filter(|&n| n <= MAX_SEGMENTS)
        .ok_or(ProveError::TooManySegments(records.len()))?;
    progress(Progress::Executed {
        cycles: summary.cycles,
        segments: records.len(),
        secs: t.elapsed().as_secs_f64(),
    });

    // Segment proofs, each from the state the previous one left.
    let segment_params = keys.params(config.segment_po2)?;
    let segment_pk = keys.segment_key()?;
    let mut start = SegmentStart::initial(program);
    let mut segment_snarks = Vec::with_capacity(records.len());
    let mut boundaries = Vec::with_capacity(records.len());
    for (index, record) in records.iter().enumerate() {
        release_freed();
        let t = Instant::now();
        let proof = prove_segment(&segment_params, &segment_pk, record, &start)?;
        start.apply_segment(record);
        boundaries.push(Boundary::from_segment(&proof.public_inputs));
        segment_snarks.push(proof.snark);
        progress(Progress::Segment {
            index,
            total: records.len(),
            secs: t.elapsed().as_secs_f64(),
        });
    }
    drop(segment_pk);
    // The records (hundreds of MB at a million cycles) are not needed past the segments.
    drop(records);
    // The circuits refuse a broken link; checking it here first gives a typed error.
    Boundary::link(&boundaries)?;

    // Leaves, then inner levels, then the precompile nodes, the root and the wrapper.
    let mut nodes = Vec::with_capacity(segment_snarks.len());
    let total = segment_snarks.len();
    for (index, snark) in segment_snarks.into_iter().enumerate() {
        let (node, stats) = prove_node(keys, NodeKind::Leaf, vec![snark], &digest)?;
        nodes.push(node);
        progress(Progress::Node { kind: "leaf", level: 0, index, total, stats });
    }
    for (level, groups) in inner_levels(nodes.len()).into_iter().enumerate() {
        let mut children = nodes.into_iter();
        let mut next = Vec::with_capacity(groups.len());
        let total = groups.len();
        for (index, group) in groups.into_iter().enumerate() {
            let mut group: Vec<Snark> = children.by_ref().take(group.len()).collect();
            if group.len() == 1 {
                // An odd node out goes up unchanged.
                next.extend(group.pop());
                continue;
            }
            let (node, stats) = prove_node(keys, NodeKind::Inner, group, &digest)?;
            next.push(node);
            progress(Progress::Node { kind: "inner", level: level + 1, index, total, stats });
        }
        nodes = next;
    }
    let mut top = nodes.pop().ok_or(ProveError::Link(crate::boundary::LinkError::Empty))?;

    // Each precompile's batches, then the node that links their chain to the execution's.
    if !keccak_batches.is_empty() {
        let params = keys.params(config.keccak.k)?;
        let pk = keys.keccak_key()?;
        top = prove_precompile(
            keys,
            NodeKind::Keccak,
            top,
            &keccak_batches,
            &digest,
            progress,
            |batch| Ok(precompiles::keccak::prove_batch(&params, &pk, config.keccak, batch)?.snark),
            |index, total, batch, secs| Progress::KeccakBatch {
                index,
                total,
                permutations: batch.len(),
                secs,
            },
        )?;
    }
    if !secp_batches.is_empty() {
        let params = keys.params(config.secp.k)?;
        let key = keys.secp_key()?;
        top = prove_precompile(
            keys,
            NodeKind::Secp,
            top,
            &secp_batches,
            &digest,
            progress,
            |batch| Ok(precompiles::secp256k1::prove_batch(&params, &key, batch)?.snark),
            |index, total, batch, secs| Progress::SecpBatch {
                index,
                total,
                recoveries: batch.len(),
                secs,
            },
        )?;
    }

    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let shape = TreeShape::segments(segments)
        .with_keccak(count(keccak_batches.len()))
        .with_secp(count(secp_batches.len()));
    let (root, stats) = prove_node(keys, NodeKind::Root, vec![top], &digest)?;
    progress(Progress::Node { kind: "root", level: 0, index: 0, total: 1, stats });
    let (proof, stats) = prove_wrapper(keys, root, &digest, shape, summary.cycles)?;
    let t = Instant::now();
    verify(&proof, circuits::paging::program_id(program), keys)?;
    progress(Progress::Wrapped { stats, verify_secs: t.elapsed().as_secs_f64() });
    Ok(proof)
}

/// Proves one leaf, inner, keccak, secp or root node over `children` (only the root reads
/// `digest`).
pub(crate) fn prove_node(
    keys: &Keys,
    kind: NodeKind,
    children: Vec<Snark>,
    digest: &OutputDigest,
) -> Result<(Snark, NodeStats), ProveError> {
    release_freed();
    let t = Instant::now();
    let inputs = keys.node_inputs(kind, digest)?;
    let key = keys.node_key(kind, &children, &inputs)?;
    let key_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let params = keys.params(key.config.degree)?;
    let circuit =
        build_circuit(CircuitBuilderStage::Prover, kind, key.config, &params, children, &inputs)?
            .use_break_points(key.break_points.clone());
    let values = instances(&circuit);
    let snark = prove_poseidon(&params, &key.pk, circuit, values, true)?;
    Ok((snark, NodeStats::new(&key, key_secs, t.elapsed().as_secs_f64())))
}

/// Proves the wrapper over the `root` of a tree of `shape` whose run of `cycles`
/// committed `digest`: the proof, not yet verified, and the wrapper's figures.
pub(crate) fn prove_wrapper(
    keys: &Keys,
    root: Snark,
    digest: &OutputDigest,
    shape: TreeShape,
    cycles: u64,
) -> Result<(Proof, NodeStats), ProveError> {
    release_freed();
    let t = Instant::now();
    let inputs = keys.node_inputs(NodeKind::Wrapper, digest)?;
    let key = keys.node_key(NodeKind::Wrapper, std::slice::from_ref(&root), &inputs)?;
    let key_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let params = keys.params(key.config.degree)?;
    let circuit = build_circuit(
        CircuitBuilderStage::Prover,
        NodeKind::Wrapper,
        key.config,
        &params,
        vec![root],
        &inputs,
    )?
    .use_break_points(key.break_points.clone());
    let values = instances(&circuit);
    let public_inputs = PublicInputs::from_slice(&values)
        .ok_or(ProveError::Keys("the wrapper's public inputs have the wrong length".into()))?;
    let proof_bytes = prove_evm(&params, &key.pk, circuit, &values)?;
    let stats = NodeStats::new(&key, key_secs, t.elapsed().as_secs_f64());
    Ok((Proof::new(*digest, shape, cycles, public_inputs, proof_bytes), stats))
}

/// Proves each of a precompile's `batches` with `prove_batch`, reporting each as
/// `report(index, total, batch, secs)`, then one `kind` node per batch, from the last
/// batch down, each over the node before it and its batch.
#[allow(clippy::too_many_arguments)] // one stage's inputs, each named at the call
fn prove_precompile<B>(
    keys: &Keys,
    kind: NodeKind,
    top: Snark,
    batches: &[B],
    digest: &OutputDigest,
    progress: &mut dyn FnMut(Progress),
    prove_batch: impl Fn(&B) -> Result<Snark, ProveError>,
    report: impl Fn(usize, usize, &B, f64) -> Progress,
) -> Result<Snark, ProveError> {
    let mut proved = Vec::with_capacity(batches.len());
    for (index, batch) in batches.iter().enumerate() {
        release_freed();
        let t = Instant::now();
        proved.push(prove_batch(batch)?);
        progress(report(index, batches.len(), batch, t.elapsed().as_secs_f64()));
    }
    let total = proved.len();
    let mut top = top;
    for (index, batch) in proved.into_iter().enumerate().rev() {
        let (node, stats) = prove_node(keys, kind, vec![top, batch], digest)?;
        progress(Progress::Node { kind: kind.name(), level: 0, index, total, stats });
        top = node;
    }
    Ok(top)
}

/// Checks `proof` for the program `program_id` and returns what it states.
///
/// Checks, in order: the program id; that the public inputs encode the stated program id
/// and digest; that the calldata encodes the public inputs and proof; the wrapper's
/// SNARK against its verifying key (derived from `keys`, the same for every tree, never
/// taken from the file); and the pairing check of the accumulator that every proof of the
/// tree was folded into.
pub fn verify(proof: &Proof, program_id: Fr, keys: &Keys) -> Result<PublicOutput, VerifyError> {
    check_statement(proof, program_id)?;
    let (vk, _) = wrapper_vk(keys).map_err(|e| VerifyError::Keys(Box::new(e)))?;
    let params =
        keys.verifier_params(vk.get_domain().k()).map_err(|e| VerifyError::Keys(Box::new(e)))?;
    verify_evm(&params, &vk, &proof.public_inputs.to_vec(), &proof.proof)?;
    Ok(PublicOutput { program_id, digest: proof.output })
}

/// [`verify`] against a wrapper key exported earlier ([`crate::export_verifier`]) instead
/// of one derived by keygen: the same checks, in seconds and without proving keys.
/// The key must come from a trusted export, as a deployed verifier does.
pub fn verify_with_key(
    proof: &Proof,
    program_id: Fr,
    key: &WrapperVk,
    keys: &Keys,
) -> Result<PublicOutput, VerifyError> {
    check_statement(proof, program_id)?;
    let vk = key
        .verifying_key()
        .map_err(|e| VerifyError::Keys(Box::new(ProveError::Keys(e.to_string()))))?;
    let params =
        keys.verifier_params(key.config.degree).map_err(|e| VerifyError::Keys(Box::new(e)))?;
    verify_evm(&params, &vk, &proof.public_inputs.to_vec(), &proof.proof)?;
    Ok(PublicOutput { program_id, digest: proof.output })
}

/// The checks of a proof that need no key: its program id, that its public inputs encode
/// the stated program id and digest, that its calldata encodes them and the proof, and
/// its shape.
fn check_statement(proof: &Proof, program_id: Fr) -> Result<(), VerifyError> {
    if proof.program_id != program_id || proof.public_inputs.program_id != program_id {
        return Err(VerifyError::ProgramMismatch {
            expected: scalar_hex(&program_id),
            found: scalar_hex(&proof.public_inputs.program_id),
        });
    }
    let [hi, lo] = proof.output.halves();
    if proof.public_inputs.digest_hi != hi || proof.public_inputs.digest_lo != lo {
        return Err(VerifyError::StatementMismatch);
    }
    if proof.calldata != proof.expected_calldata() {
        return Err(VerifyError::CalldataMismatch);
    }
    if !proof.shape().is_valid() {
        return Err(VerifyError::Shape);
    }
    Ok(())
}
