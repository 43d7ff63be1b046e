//! The aggregation circuits of the tree: each is a snark-verifier-sdk
//! `AggregationCircuit` (SHPLONK, `VerifierUniversality::None`, so each child's verifying
//! key is a constant of the circuit) plus our own constraints on the children's public
//! inputs, which the SDK hands over as private cells.
//!
//! - A **leaf** verifies segment proofs and links them.
//! - An **inner** node verifies node proofs (leaves or inner nodes) and links them.
//!   Leaves and inner nodes expose `accumulator ‖ boundary` (12 + 12 fields).
//! - A **keccak** node verifies the top node and the keccak-f batch proofs, and links
//!   the batches' chain to the execution's keccak chain; a **secp** node does the same
//!   for the secp256k1 recovery batches and the secp chain
//!   ([`crate::gadgets::precompile`]). Each exposes the same `accumulator ‖ boundary`,
//!   with its chain discharged.
//! - The **root** verifies the top node, proves the root statement
//!   ([`crate::gadgets::statement`]) and exposes `accumulator ‖ program_id ‖ digest_hi ‖
//!   digest_lo` (12 + 3 fields). Verifying the top node takes millions of cells, so the
//!   root has a fixed `k` and as many columns as they need (2 at 2^22).
//! - The **wrapper** verifies the root and exposes the root's public inputs again, with
//!   the accumulator folded into its own. It is the proof the EVM verifier checks, and
//!   every committed polynomial of it costs an `ecMul` on L1, so it has **one advice
//!   column** at the smallest `k` that holds it: with a single column, halo2-base looks
//!   its range checks up in that column itself, so there is no lookup advice column
//!   either. The root's 2 columns are what make this fit at 2^22 (verifying the leaf
//!   directly in one column needs 2^23 rows, whose proof does not fit in 24 GiB).

use circuits::chains::Chain;
use circuits::Fr;
use halo2_base::gates::circuit::CircuitBuilderStage;
use halo2_base::gates::RangeInstructions;
use halo2_base::halo2_proofs::halo2curves::bn256::Bn256;
use halo2_base::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use serde::{Deserialize, Serialize};
use snark_verifier_sdk::halo2::aggregation::{
    AggregationCircuit, AggregationConfigParams, VerifierUniversality,
};
use snark_verifier_sdk::{Snark, SHPLONK};

use crate::boundary::{BoundaryLayout, BOUNDARY_FIELDS};
use crate::gadgets::link::{link, AssignedBoundary};
use crate::gadgets::precompile::{discharge_chain, AssignedBatch};
use crate::gadgets::statement::root_statement;
use crate::output::OutputDigest;

/// Accumulator limbs at the front of every node's public inputs (4 coordinates × 3 limbs).
pub const ACCUMULATOR_LIMBS: usize = 12;
/// Public inputs of a leaf or inner node.
pub const NODE_PUBLIC_INPUTS: usize = ACCUMULATOR_LIMBS + BOUNDARY_FIELDS;
/// Public inputs of the wrapper: the accumulator, `program_id`, the digest halves.
pub const WRAPPER_PUBLIC_INPUTS: usize = ACCUMULATOR_LIMBS + 3;
/// Rows halo2 keeps for blinding; the builder leaves them free.
pub const BLINDING_ROWS: usize = 20;

/// What a node of the tree does with its children.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NodeKind {
    /// Verifies and links segment proofs.
    Leaf,
    /// Verifies and links node proofs.
    Inner,
    /// Verifies the top node and the keccak-f batch proofs, and links their chains.
    Keccak,
    /// Verifies the top node and the secp256k1 batch proofs, and links their chains.
    Secp,
    /// Verifies the top node and proves the root statement.
    Root,
    /// Verifies the root in one advice column and exposes its statement: the proof the
    /// EVM verifier checks.
    Wrapper,
}

impl NodeKind {
    /// Where a child's boundary sits among its public inputs (the wrapper reads none: it
    /// re-exposes the root's statement, at the same offset).
    pub fn child_layout(self) -> BoundaryLayout {
        match self {
            NodeKind::Leaf => BoundaryLayout::SEGMENT,
            NodeKind::Inner
            | NodeKind::Keccak
            | NodeKind::Secp
            | NodeKind::Root
            | NodeKind::Wrapper => BoundaryLayout::node(ACCUMULATOR_LIMBS),
        }
    }

    /// The public inputs this node exposes.
    pub fn num_public_inputs(self) -> usize {
        match self {
            NodeKind::Leaf | NodeKind::Inner | NodeKind::Keccak | NodeKind::Secp => {
                NODE_PUBLIC_INPUTS
            }
            NodeKind::Root | NodeKind::Wrapper => WRAPPER_PUBLIC_INPUTS,
        }
    }

    /// A short name for logs and file names.
    pub fn name(self) -> &'static str {
        match self {
            NodeKind::Leaf => "leaf",
            NodeKind::Inner => "inner",
            NodeKind::Keccak => "keccak",
            NodeKind::Secp => "secp",
            NodeKind::Root => "root",
            NodeKind::Wrapper => "wrapper",
        }
    }

    /// The precompile chain a keccak or secp node discharges (its children after the
    /// first are that precompile's batch proofs).
    pub fn discharged_chain(self) -> Option<Chain> {
        match self {
            NodeKind::Keccak => Some(Chain::Keccak),
            NodeKind::Secp => Some(Chain::Secp),
            NodeKind::Leaf | NodeKind::Inner | NodeKind::Root | NodeKind::Wrapper => None,
        }
    }
}

/// Why a node's circuit could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeError {
    /// A node needs at least one child; the root and the wrapper exactly one; a keccak or
    /// secp node the top node and at least one batch.
    #[error("a {kind} node cannot take {children} children")]
    Children {
        /// The node's kind name.
        kind: &'static str,
        /// How many it was given.
        children: usize,
    },
    /// A child has fewer public inputs than its layout reads.
    #[error("child {0} has too few public inputs for its layout")]
    ChildInstances(usize),
    /// The root needs the output digest.
    #[error("the root needs the program's output digest")]
    MissingDigest,
}

/// Builds a node's circuit over `children` (real proofs, or the same proofs again at
/// keygen). The constraints do not depend on the witness, so keygen and proving build the
/// same circuit.
pub fn build_circuit(
    stage: CircuitBuilderStage,
    kind: NodeKind,
    config: AggregationConfigParams,
    params: &ParamsKZG<Bn256>,
    children: Vec<Snark>,
    digest: Option<&OutputDigest>,
) -> Result<AggregationCircuit, NodeError> {
    let count = children.len();
    if count == 0
        || (matches!(kind, NodeKind::Root | NodeKind::Wrapper) && count != 1)
        || (kind.discharged_chain().is_some() && count < 2)
    {
        return Err(NodeError::Children { kind: kind.name(), children: count });
    }
    let digest = match (kind, digest) {
        (NodeKind::Root, None) => return Err(NodeError::MissingDigest),
        (_, digest) => digest,
    };
    let mut circuit = AggregationCircuit::new::<SHPLONK>(
        stage,
        config,
        params,
        children,
        VerifierUniversality::None,
    );
    let previous = circuit.previous_instances().clone();
    if kind == NodeKind::Wrapper {
        // The root's statement, bound to its proof by the verification above, goes public
        // again after the SDK's accumulator.
        let statement = previous[0]
            .get(ACCUMULATOR_LIMBS..WRAPPER_PUBLIC_INPUTS)
            .ok_or(NodeError::ChildInstances(0))?
            .to_vec();
        circuit.builder.assigned_instances[0].extend(statement);
        return Ok(circuit);
    }
    let layout = kind.child_layout();
    // A precompile node's children after the first are batch proofs, not nodes.
    let chain = kind.discharged_chain();
    let nodes = if chain.is_some() { &previous[..1] } else { &previous[..] };
    let boundaries = nodes
        .iter()
        .enumerate()
        .map(|(i, instances)| {
            AssignedBoundary::read(instances, &layout).ok_or(NodeError::ChildInstances(i))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let batches = previous[nodes.len()..]
        .iter()
        .enumerate()
        .map(|(i, instances)| {
            AssignedBatch::read(instances).ok_or(NodeError::ChildInstances(nodes.len() + i))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let range = circuit.builder.range_chip();
    let ctx = circuit.builder.main(0);
    let mut whole = link(ctx, range.gate(), &boundaries);
    if let Some(chain) = chain {
        whole = discharge_chain(ctx, range.gate(), &whole, chain, &batches);
    }
    let exposed = match digest {
        Some(digest) if kind == NodeKind::Root => {
            root_statement(ctx, &range, &whole, digest).to_instances()
        }
        _ => whole.to_instances(),
    };
    // The SDK put the accumulator limbs first; our statement follows them.
    circuit.builder.assigned_instances[0].extend(exposed);
    Ok(circuit)
}

/// Sizes a circuit built for keygen: `k` as given for the tree's nodes and the root (the
/// columns follow), and for the wrapper the smallest `k` from `k` up at which one advice
/// column holds every cell, but at most `max_k`: past that the proof does not fit in
/// memory (a 2^23-row proof was killed at 23 GiB on the 24 GiB machine), so the wrapper
/// would take a second column instead.
pub fn size_circuit(
    circuit: &mut AggregationCircuit,
    kind: NodeKind,
    k: u32,
    max_k: u32,
) -> AggregationConfigParams {
    if kind == NodeKind::Wrapper {
        let stats = circuit.builder.statistics();
        let advice: usize = stats.gate.total_advice_per_phase.iter().sum();
        let mut k = k;
        while k < max_k && (1usize << k) - BLINDING_ROWS < advice {
            k += 1;
        }
        circuit.builder.set_k(k as usize);
    } else {
        circuit.builder.set_k(k as usize);
    }
    circuit.calculate_params(Some(BLINDING_ROWS))
}

/// The circuit's public inputs as field values (the accumulator first).
pub fn instances(circuit: &AggregationCircuit) -> Vec<Fr> {
    circuit.builder.assigned_instances[0].iter().map(|v| *v.value()).collect()
}
