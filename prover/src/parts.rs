//! A proof in parts, for a fleet of provers: the segments, the precompile batches and
//! every node of the tree above them are each proved on their own, from the program, its
//! input and the SNARKs of the part's children, so that separate processes (or machines)
//! prove them in parallel and hand each other the SNARKs.
//!
//! [`plan`] runs the program once in trace mode and returns the tree's [`Plan`];
//! [`Plan::parts`] lists every part with its children, each after its children;
//! [`prove_part`] proves one. The wrapper's part returns the finished [`Proof`], which
//! [`crate::verify`] has accepted. The tree is the one [`crate::prove`] builds, node for
//! node, so the same keys serve both, and a proof made in parts is the same statement.
//!
//! A segment's part re-runs the program in trace mode and replays the records before its
//! own to get its start state (memory and chains), streaming them so that it never holds
//! more than one: the executor is cheap next to proving a segment, and the records are
//! hundreds of MB, too large to store for other machines.

use std::fmt;
use std::str::FromStr;

use circuits::segment::{prove_segment, SegmentStart};
use serde::{Deserialize, Serialize};
use snark_verifier_sdk::Snark;
use vm::trace::{PrecompileCall, SegmentRecord};
use vm::{ExecutionSummary, Executor, Program};

use crate::keys::Keys;
use crate::node::NodeKind;
use crate::output::OutputDigest;
use crate::pipeline::{executor_config, prove_node, prove_wrapper, MAX_SEGMENTS};
use crate::plan::inner_levels;
use crate::proof::Proof;
use crate::shape::TreeShape;
use crate::{ProveError, TreeConfig};
use precompiles::keccak::KeccakBatch;
use precompiles::secp256k1::SecpBatch;

/// One provable part of a proof's tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    /// Segment `i`'s proof.
    Segment(u32),
    /// keccak-f batch `i`'s proof.
    KeccakBatch(u32),
    /// secp256k1 recovery batch `i`'s proof.
    SecpBatch(u32),
    /// The leaf over segment `i`.
    Leaf(u32),
    /// Inner node `index` of `level` (level 1 groups the leaves).
    Inner {
        /// From 1.
        level: u32,
        /// From 0.
        index: u32,
    },
    /// The node that discharges keccak-f batch `i` (from the last batch down to 0).
    KeccakNode(u32),
    /// The node that discharges secp256k1 batch `i` (from the last batch down to 0).
    SecpNode(u32),
    /// The root: the root statement over the top node.
    Root,
    /// The wrapper over the root: the proof itself.
    Wrapper,
}

impl Part {
    /// Whether the part is a SNARK of the tree's bottom row (it needs the program's trace
    /// and no children).
    pub fn is_base(&self) -> bool {
        matches!(self, Part::Segment(_) | Part::KeccakBatch(_) | Part::SecpBatch(_))
    }

    /// The node kind of an aggregation part.
    fn node_kind(&self) -> Option<NodeKind> {
        match self {
            Part::Leaf(_) => Some(NodeKind::Leaf),
            Part::Inner { .. } => Some(NodeKind::Inner),
            Part::KeccakNode(_) => Some(NodeKind::Keccak),
            Part::SecpNode(_) => Some(NodeKind::Secp),
            Part::Root => Some(NodeKind::Root),
            Part::Wrapper => Some(NodeKind::Wrapper),
            Part::Segment(_) | Part::KeccakBatch(_) | Part::SecpBatch(_) => None,
        }
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Part::Segment(i) => write!(f, "segment-{i}"),
            Part::KeccakBatch(i) => write!(f, "keccak-batch-{i}"),
            Part::SecpBatch(i) => write!(f, "secp-batch-{i}"),
            Part::Leaf(i) => write!(f, "leaf-{i}"),
            Part::Inner { level, index } => write!(f, "inner-{level}-{index}"),
            Part::KeccakNode(i) => write!(f, "keccak-node-{i}"),
            Part::SecpNode(i) => write!(f, "secp-node-{i}"),
            Part::Root => f.write_str("root"),
            Part::Wrapper => f.write_str("wrapper"),
        }
    }
}

/// A name that names no part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` names no part (segment-N, keccak-batch-N, secp-batch-N, leaf-N, inner-L-N, keccak-node-N, secp-node-N, root or wrapper)")]
pub struct BadPartName(String);

impl FromStr for Part {
    type Err = BadPartName;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let bad = || BadPartName(name.to_string());
        let number = |text: &str| text.parse::<u32>().map_err(|_| bad());
        let part = match name {
            "root" => Part::Root,
            "wrapper" => Part::Wrapper,
            _ => {
                if let Some(i) = name.strip_prefix("segment-") {
                    Part::Segment(number(i)?)
                } else if let Some(i) = name.strip_prefix("keccak-node-") {
                    Part::KeccakNode(number(i)?)
                } else if let Some(i) = name.strip_prefix("secp-node-") {
                    Part::SecpNode(number(i)?)
                } else if let Some(i) = name.strip_prefix("keccak-batch-") {
                    Part::KeccakBatch(number(i)?)
                } else if let Some(i) = name.strip_prefix("secp-batch-") {
                    Part::SecpBatch(number(i)?)
                } else if let Some(i) = name.strip_prefix("leaf-") {
                    Part::Leaf(number(i)?)
                } else if let Some(rest) = name.strip_prefix("inner-") {
                    let (level, index) = rest.split_once('-').ok_or_else(bad)?;
                    Part::Inner { level: number(level)?, index: number(index)? }
                } else {
                    return Err(bad());
                }
            }
        };
        // One spelling per part: `segment-01` is refused.
        if part.to_string() == name {
            Ok(part)
        } else {
            Err(bad())
        }
    }
}

/// What a run needs proved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Segment and batch proofs under the wrapper.
    pub shape: TreeShape,
    /// Rows of the run.
    pub cycles: u64,
    /// What the proof will state the program committed.
    pub digest: OutputDigest,
}

/// A part and the parts whose SNARKs it takes, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedPart {
    /// The part.
    pub part: Part,
    /// Its children.
    pub children: Vec<Part>,
}

impl Plan {
    /// Every part of the tree with its children, each after its children; the wrapper is
    /// last.
    pub fn parts(&self) -> Vec<PlannedPart> {
        let shape = self.shape;
        let mut parts = Vec::new();
        let base = |part| PlannedPart { part, children: Vec::new() };
        parts.extend((0..shape.segments).map(|i| base(Part::Segment(i))));
        parts.extend((0..shape.keccak_batches).map(|i| base(Part::KeccakBatch(i))));
        parts.extend((0..shape.secp_batches).map(|i| base(Part::SecpBatch(i))));
        let mut level: Vec<Part> = (0..shape.segments).map(Part::Leaf).collect();
        parts.extend(
            (0..shape.segments)
                .map(|i| PlannedPart { part: Part::Leaf(i), children: vec![Part::Segment(i)] }),
        );
        for (depth, groups) in (1u32..).zip(inner_levels(shape.segments as usize)) {
            let mut next = Vec::with_capacity(groups.len());
            for (index, group) in (0u32..).zip(groups) {
                if group.len() == 1 {
                    // An odd node out goes up unchanged.
                    next.push(level[group.start]);
                    continue;
                }
                let part = Part::Inner { level: depth, index };
                parts.push(PlannedPart { part, children: level[group].to_vec() });
                next.push(part);
            }
            level = next;
        }
        let mut top = level.first().copied().unwrap_or(Part::Leaf(0));
        // Each batch is discharged by a node of its own, from the last batch down.
        let precompiles = [
            (
                shape.keccak_batches,
                Part::KeccakNode as fn(u32) -> Part,
                Part::KeccakBatch as fn(u32) -> Part,
            ),
            (shape.secp_batches, Part::SecpNode, Part::SecpBatch),
        ];
        for (batches, node, batch) in precompiles {
            for i in (0..batches).rev() {
                parts.push(PlannedPart { part: node(i), children: vec![top, batch(i)] });
                top = node(i);
            }
        }
        parts.push(PlannedPart { part: Part::Root, children: vec![top] });
        parts.push(PlannedPart { part: Part::Wrapper, children: vec![Part::Root] });
        parts
    }
}

/// What proving a part gives.
#[derive(Debug, Clone)]
pub enum PartProof {
    /// A SNARK for the node above it.
    Snark(Snark),
    /// The wrapper's: the whole proof, verified.
    Proof(Proof),
}

/// The plan of `program`'s run on `input`, from one run in trace mode (whose cut into
/// segments is the one proving uses). Refused, as [`crate::prove`] refuses it: a run that
/// faults, exits non-zero, or commits anything but one 32-byte word.
pub fn plan(program: &Program, input: &[u8], config: &TreeConfig) -> Result<Plan, ProveError> {
    let mut segments = 0usize;
    let summary = run_traced(program, input, config, |_| segments += 1)?;
    let digest = OutputDigest::from_run(summary.syscalls.commit, &summary.output)?;
    let count = |n: u64, capacity: usize| {
        u32::try_from(n.div_ceil(capacity.max(1) as u64))
            .ok()
            .filter(|&n| n <= MAX_SEGMENTS)
            .ok_or(ProveError::TooManySegments(segments))
    };
    let shape = TreeShape {
        segments: count(segments as u64, 1)?,
        keccak_batches: count(summary.syscalls.keccak_permute, config.keccak.capacity)?,
        secp_batches: count(summary.syscalls.secp256k1_recover, config.secp.capacity)?,
    };
    Ok(Plan { shape, cycles: summary.cycles, digest })
}

/// Proves `part` of `program`'s run on `input` over its `children`' SNARKs, in the order
/// [`Plan::parts`] lists them. A segment or batch part re-runs the program in trace mode;
/// a node part needs only its children; the root's part re-runs the plan for the digest
/// its statement checks, and the wrapper's part re-runs it and returns the proof once
/// [`crate::verify`] accepted it.
pub fn prove_part(
    program: &Program,
    input: &[u8],
    keys: &Keys,
    part: Part,
    children: Vec<Snark>,
) -> Result<PartProof, ProveError> {
    let config = keys.config();
    let no_children = |children: &[Snark]| {
        if children.is_empty() {
            Ok(())
        } else {
            Err(ProveError::Part(format!("{part} takes no children, {} given", children.len())))
        }
    };
    match part {
        Part::Segment(index) => {
            no_children(&children)?;
            let (record, start) = segment_at(program, input, config, index)?;
            let params = keys.params(config.segment_po2)?;
            let pk = keys.segment_key()?;
            Ok(PartProof::Snark(prove_segment(&params, &pk, &record, &start)?.snark))
        }
        Part::KeccakBatch(index) => {
            no_children(&children)?;
            let calls = precompile_calls(program, input, config)?;
            let batches = KeccakBatch::split(&calls, config.keccak.capacity)?;
            let batch = batches.get(index as usize).ok_or_else(|| missing(part))?;
            let params = keys.params(config.keccak.k)?;
            let pk = keys.keccak_key()?;
            let proof = precompiles::keccak::prove_batch(&params, &pk, config.keccak, batch)?;
            Ok(PartProof::Snark(proof.snark))
        }
        Part::SecpBatch(index) => {
            no_children(&children)?;
            let calls = precompile_calls(program, input, config)?;
            let batches = SecpBatch::split(&calls, config.secp.capacity)?;
            let batch = batches.get(index as usize).ok_or_else(|| missing(part))?;
            let params = keys.params(config.secp.k)?;
            let key = keys.secp_key()?;
            Ok(PartProof::Snark(precompiles::secp256k1::prove_batch(&params, &key, batch)?.snark))
        }
        Part::Root => {
            let plan = plan(program, input, config)?;
            let top = only_child(part, children)?;
            let (snark, _) = prove_node(keys, NodeKind::Root, vec![top], &plan.digest)?;
            Ok(PartProof::Snark(snark))
        }
        Part::Wrapper => {
            let plan = plan(program, input, config)?;
            let root = only_child(part, children)?;
            let (proof, _) = prove_wrapper(keys, root, &plan.digest, plan.shape, plan.cycles)?;
            crate::verify(&proof, circuits::paging::program_id(program), keys)?;
            Ok(PartProof::Proof(proof))
        }
        Part::Leaf(_) | Part::Inner { .. } | Part::KeccakNode(_) | Part::SecpNode(_) => {
            let kind = part.node_kind().ok_or_else(|| missing(part))?;
            // Only the root's constraints read the digest.
            let (snark, _) = prove_node(keys, kind, children, &OutputDigest([0; 32]))?;
            Ok(PartProof::Snark(snark))
        }
    }
}

/// The largest SNARK file read back (a node's SNARK is tens of KB; this bounds what a
/// corrupt length prefix can make the decoder allocate).
const MAX_SNARK_BYTES: u64 = 64 << 20;

fn snark_codec() -> impl bincode::Options {
    use bincode::Options as _;
    bincode::DefaultOptions::new().with_limit(MAX_SNARK_BYTES)
}

/// A part's SNARK as bytes, for the process that proves the part above it.
pub fn snark_to_bytes(snark: &Snark) -> Result<Vec<u8>, ProveError> {
    use bincode::Options as _;
    snark_codec().serialize(snark).map_err(|e| ProveError::Part(format!("encoding a SNARK: {e}")))
}

/// A SNARK from [`snark_to_bytes`]' bytes. Bytes that decode but are not a real proof
/// are caught later: the node over it fails to prove, and the wrapper's proof is
/// verified against keys derived here, never read from a file.
pub fn snark_from_bytes(bytes: &[u8]) -> Result<Snark, ProveError> {
    use bincode::Options as _;
    snark_codec()
        .deserialize(bytes)
        .map_err(|e| ProveError::Part(format!("a child's SNARK does not decode: {e}")))
}

/// The one child of a root or wrapper part.
fn only_child(part: Part, children: Vec<Snark>) -> Result<Snark, ProveError> {
    let [child] = <[Snark; 1]>::try_from(children).map_err(|children| {
        ProveError::Part(format!("the {part} takes one child, {} given", children.len()))
    })?;
    Ok(child)
}

fn missing(part: Part) -> ProveError {
    ProveError::Part(format!("the run has no {part}"))
}

/// Runs `program` in trace mode, handing each segment record to `on_segment`; refuses a
/// run that exits non-zero.
fn run_traced(
    program: &Program,
    input: &[u8],
    config: &TreeConfig,
    on_segment: impl FnMut(SegmentRecord),
) -> Result<ExecutionSummary, ProveError> {
    let mut machine = Executor::new(program, input.to_vec(), executor_config(config))
        .map_err(vm::VmError::from)?;
    let summary = machine.run_traced_with(on_segment).map_err(vm::VmError::from)?;
    if summary.exit_code != 0 {
        return Err(ProveError::ExitCode(summary.exit_code));
    }
    Ok(summary)
}

/// Segment `index`'s record and the state it starts from.
fn segment_at(
    program: &Program,
    input: &[u8],
    config: &TreeConfig,
    index: u32,
) -> Result<(SegmentRecord, SegmentStart), ProveError> {
    let mut start = SegmentStart::initial(program);
    let (mut seen, mut found) = (0u32, None);
    run_traced(program, input, config, |record| {
        if seen < index {
            start.apply_segment(&record);
        } else if seen == index {
            found = Some(record);
        }
        seen = seen.saturating_add(1);
    })?;
    let record = found.ok_or_else(|| missing(Part::Segment(index)))?;
    Ok((record, start))
}

/// Every precompile call of the run, in order.
fn precompile_calls(
    program: &Program,
    input: &[u8],
    config: &TreeConfig,
) -> Result<Vec<PrecompileCall>, ProveError> {
    let mut calls = Vec::new();
    run_traced(program, input, config, |record| calls.extend(record.precompile_calls))?;
    Ok(calls)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn plan_of(segments: u32, keccak: u32, secp: u32) -> Plan {
        Plan {
            shape: TreeShape::segments(segments).with_keccak(keccak).with_secp(secp),
            cycles: 1,
            digest: OutputDigest([0; 32]),
        }
    }

    #[test]
    fn names_round_trip_and_have_one_spelling() {
        let parts = plan_of(5, 2, 1).parts();
        for planned in &parts {
            let name = planned.part.to_string();
            assert_eq!(name.parse::<Part>(), Ok(planned.part), "{name}");
        }
        for bad in [
            "segment-01",
            "segment-",
            "inner-1",
            "inner-1-x",
            "node",
            "leaf--1",
            "root-0",
            "keccak-node",
            "",
        ] {
            assert!(bad.parse::<Part>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_part_comes_after_its_children_and_the_wrapper_is_last() {
        for (segments, keccak, secp) in [(1, 0, 0), (2, 1, 1), (5, 3, 0), (7, 0, 2), (1, 2, 2)] {
            let parts = plan_of(segments, keccak, secp).parts();
            let mut seen = std::collections::BTreeSet::new();
            for planned in &parts {
                assert!(planned.children.iter().all(|c| seen.contains(c)), "{planned:?}");
                assert!(seen.insert(planned.part), "{:?} twice", planned.part);
            }
            assert_eq!(parts.last().map(|p| p.part), Some(Part::Wrapper));
            // Every part but the wrapper is the child of exactly one part.
            let mut used: Vec<Part> = parts.iter().flat_map(|p| p.children.clone()).collect();
            used.sort();
            used.dedup();
            assert_eq!(used.len(), parts.len() - 1);
            let bases = parts.iter().filter(|p| p.part.is_base()).count();
            assert_eq!(bases, (segments + keccak + secp) as usize);
        }
    }

    #[test]
    fn the_tree_is_binary_and_discharges_one_batch_per_node_from_the_last() {
        let parts = plan_of(3, 2, 1).parts();
        let children = |part: Part| parts.iter().find(|p| p.part == part).unwrap().children.clone();
        assert_eq!(children(Part::Leaf(2)), vec![Part::Segment(2)]);
        assert_eq!(
            children(Part::Inner { level: 1, index: 0 }),
            vec![Part::Leaf(0), Part::Leaf(1)]
        );
        // Leaf 2 is the odd one out: it goes up to level 2 unchanged.
        assert!(!parts.iter().any(|p| p.part == Part::Inner { level: 1, index: 1 }));
        assert_eq!(
            children(Part::Inner { level: 2, index: 0 }),
            vec![Part::Inner { level: 1, index: 0 }, Part::Leaf(2)]
        );
        assert_eq!(
            children(Part::KeccakNode(1)),
            vec![Part::Inner { level: 2, index: 0 }, Part::KeccakBatch(1)]
        );
        assert_eq!(children(Part::KeccakNode(0)), vec![Part::KeccakNode(1), Part::KeccakBatch(0)]);
        assert_eq!(children(Part::SecpNode(0)), vec![Part::KeccakNode(0), Part::SecpBatch(0)]);
        assert_eq!(children(Part::Root), vec![Part::SecpNode(0)]);
        assert_eq!(children(Part::Wrapper), vec![Part::Root]);
        let single = plan_of(1, 0, 0).parts();
        assert_eq!(single[single.len() - 2].children, vec![Part::Leaf(0)]);
        // Every node takes as many children as its circuit verifies.
        for planned in &parts {
            if let Some(kind) = planned.part.node_kind() {
                assert_eq!(planned.children.len(), kind.children(), "{}", planned.part);
            }
        }
    }

    #[test]
    fn a_plan_counts_the_segments_trace_mode_cuts_and_the_batches() {
        let program = Program::from_elf(guests::FIBONACCI_DIGEST_ELF).unwrap();
        let mut input = abi::io::InputBuilder::new();
        input.write(&20_000u32).unwrap();
        let input = input.into_bytes();
        let config = TreeConfig { segment_po2: 17, ..TreeConfig::default() };
        let two = plan(&program, &input, &config).unwrap();
        let (summary, records) =
            vm::trace_program(&program, &input, &executor_config(&config)).unwrap();
        assert_eq!(two.shape, TreeShape::segments(records.len() as u32));
        assert_eq!(two.shape.segments, 2);
        assert_eq!(two.cycles, summary.cycles);
        assert_eq!(two.digest.0[..8], 20_000u64.to_be_bytes());

        let keccak = Program::from_elf(guests::KECCAK_ELF).unwrap();
        let mut frame = abi::io::InputBuilder::new();
        frame.write_bytes(&[7; 1000]).unwrap();
        let hashing = plan(&keccak, &frame.into_bytes(), &config).unwrap();
        assert_eq!(hashing.shape.keccak_batches, 1, "8 permutations fit one batch");

        let mut bad = abi::io::InputBuilder::new();
        bad.write(&20_000u32).unwrap();
        let fibonacci = Program::from_elf(guests::FIBONACCI_ELF).unwrap();
        assert!(matches!(plan(&fibonacci, &bad.into_bytes(), &config), Err(ProveError::Output(_))));
    }
}
