//! The aggregation circuits of the tree: each is a snark-verifier-sdk
//! `AggregationCircuit` (SHPLONK) plus our own constraints on the children's public
//! inputs, which the SDK hands over as private cells.
//!
//! - A **leaf** verifies one segment proof, whose verifying key is a constant.
//! - An **inner** node verifies two node proofs and links them.
//! - A **keccak** node verifies a node proof of a halted execution and one keccak-f batch
//!   proof, and discharges that batch from the end of the execution's keccak chain
//!   ([`crate::gadgets::precompile`]); a **secp** node does the same for a secp256k1
//!   recovery batch and the secp chain.
//! - These four share one circuit configuration (the leaf's, which needs the most
//!   cells) and one public-input layout: `accumulator ‖ boundary ‖ F` (12 + 12 + 1
//!   fields), `F` being the key family's digest (0 for a leaf). So a node proof has the
//!   same shape whichever of the four made it, and the nodes above verify it with its
//!   verifying key as a *witness* (`VerifierUniversality::PreprocessedAsWitness`),
//!   admitting only the four keys of the family ([`crate::gadgets::family`]). A batch
//!   child's key is a witness too, constrained to the batch circuit's.
//! - The **root** verifies the top node the same way, with the whole family as
//!   constants, proves the root statement ([`crate::gadgets::statement`]) and exposes
//!   `accumulator ‖ program_id ‖ digest_hi ‖ digest_lo` (12 + 3 fields). Its key, and the
//!   wrapper's, is therefore the same for every tree: how many segments and batches a
//!   run has changes which nodes are proved, not the keys. Verifying the top node takes
//!   millions of cells, so the root has a fixed `k` and as many columns as they need (3
//!   at 2^22).
//! - The **wrapper** verifies the root (its key a constant) and exposes the root's public
//!   inputs again, with the accumulator folded into its own. It is the proof the EVM
//!   verifier checks, and every committed polynomial of it costs an `ecMul` on L1, so it
//!   has **one advice column** at the smallest `k` that holds it: with a single column,
//!   halo2-base looks its range checks up in that column itself, so there is no lookup
//!   advice column either.

use circuits::chains::Chain;
use circuits::Fr;
use halo2_base::gates::circuit::CircuitBuilderStage;
use halo2_base::gates::{GateChip, RangeInstructions};
use halo2_base::halo2_proofs::halo2curves::bn256::Bn256;
use halo2_base::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use halo2_base::{AssignedValue, Context};
use serde::{Deserialize, Serialize};
use snark_verifier_sdk::halo2::aggregation::{
    AggregationCircuit, AggregationConfigParams, VerifierUniversality,
};
use snark_verifier_sdk::{Snark, SHPLONK};

use crate::boundary::{BoundaryLayout, BOUNDARY_FIELDS};
use crate::gadgets::family::{admit_batch, key_digest, AssignedFamily, KeyFamily};
use crate::gadgets::link::{link, AssignedBoundary};
use crate::gadgets::precompile::{discharge_batch, AssignedBatch};
use crate::gadgets::statement::root_statement;
use crate::output::OutputDigest;

/// Accumulator limbs at the front of every node's public inputs (4 coordinates × 3 limbs).
pub const ACCUMULATOR_LIMBS: usize = 12;
/// Public inputs of a leaf, inner, keccak or secp node: the accumulator, the boundary and
/// the key family's digest.
pub const NODE_PUBLIC_INPUTS: usize = ACCUMULATOR_LIMBS + BOUNDARY_FIELDS + 1;
/// Where a node's key family digest sits among its public inputs.
pub const FAMILY_INDEX: usize = ACCUMULATOR_LIMBS + BOUNDARY_FIELDS;
/// Public inputs of the root and the wrapper: the accumulator, `program_id`, the digest
/// halves.
pub const WRAPPER_PUBLIC_INPUTS: usize = ACCUMULATOR_LIMBS + 3;
/// Rows halo2 keeps for blinding; the builder leaves them free.
pub const BLINDING_ROWS: usize = 20;

/// What a node of the tree does with its children.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NodeKind {
    /// Verifies one segment proof.
    Leaf,
    /// Verifies and links two node proofs.
    Inner,
    /// Verifies a node proof and a keccak-f batch proof, and discharges the batch.
    Keccak,
    /// Verifies a node proof and a secp256k1 batch proof, and discharges the batch.
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
        if self.is_family() {
            NODE_PUBLIC_INPUTS
        } else {
            WRAPPER_PUBLIC_INPUTS
        }
    }

    /// Whether the node is one of the key family (leaf, inner, keccak, secp): one
    /// configuration and one public-input layout, verified by the nodes above with its
    /// key as a witness.
    pub fn is_family(self) -> bool {
        matches!(self, NodeKind::Leaf | NodeKind::Inner | NodeKind::Keccak | NodeKind::Secp)
    }

    /// How many children the node verifies.
    pub fn children(self) -> usize {
        match self {
            NodeKind::Leaf | NodeKind::Root | NodeKind::Wrapper => 1,
            NodeKind::Inner | NodeKind::Keccak | NodeKind::Secp => 2,
        }
    }

    /// Whether the node verifies its children with their keys as witnesses (a family
    /// node's children may be any of the family) or as constants.
    fn universality(self) -> VerifierUniversality {
        match self {
            NodeKind::Leaf | NodeKind::Wrapper => VerifierUniversality::None,
            NodeKind::Inner | NodeKind::Keccak | NodeKind::Secp | NodeKind::Root => {
                VerifierUniversality::PreprocessedAsWitness
            }
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

    /// The precompile chain a keccak or secp node discharges (its second child is that
    /// precompile's batch proof).
    pub fn discharged_chain(self) -> Option<Chain> {
        match self {
            NodeKind::Keccak => Some(Chain::Keccak),
            NodeKind::Secp => Some(Chain::Secp),
            NodeKind::Leaf | NodeKind::Inner | NodeKind::Root | NodeKind::Wrapper => None,
        }
    }
}

/// What a node's circuit takes besides its children.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeInputs {
    /// The run's output digest; only the root's statement reads it (any value will do at
    /// keygen).
    pub digest: OutputDigest,
    /// The key family: the leaf's digest is a constant of the inner, precompile and root
    /// nodes; the other three digests are witnesses of the inner and precompile nodes
    /// (any value at keygen) and constants of the root.
    pub family: KeyFamily,
    /// The digests of the keccak-f and secp256k1 batch circuits' keys, constants of the
    /// keccak and secp nodes.
    pub batch_keys: BatchKeys,
}

/// The key digests of the precompile batch circuits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchKeys {
    /// The keccak-f circuit's.
    pub keccak: Fr,
    /// The secp256k1 circuit's.
    pub secp: Fr,
}

/// Why a node's circuit could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeError {
    /// Each kind takes a fixed number of children.
    #[error("a {kind} node takes {expected} children, not {children}")]
    Children {
        /// The node's kind name.
        kind: &'static str,
        /// How many it takes.
        expected: usize,
        /// How many it was given.
        children: usize,
    },
    /// A child has fewer public inputs than its layout reads.
    #[error("child {0} has too few public inputs for its layout")]
    ChildInstances(usize),
    /// The aggregation did not hand over a child's verifying key.
    #[error("child {0}'s verifying key was not loaded as a witness")]
    ChildKey(usize),
}

/// Builds a node's circuit over `children` (real proofs, or placeholders of the same
/// shapes at keygen). The constraints do not depend on the witness, so keygen and proving
/// build the same circuit.
pub fn build_circuit(
    stage: CircuitBuilderStage,
    kind: NodeKind,
    config: AggregationConfigParams,
    params: &ParamsKZG<Bn256>,
    children: Vec<Snark>,
    inputs: &NodeInputs,
) -> Result<AggregationCircuit, NodeError> {
    let count = children.len();
    if count != kind.children() {
        return Err(NodeError::Children {
            kind: kind.name(),
            expected: kind.children(),
            children: count,
        });
    }
    let mut circuit =
        AggregationCircuit::new::<SHPLONK>(stage, config, params, children, kind.universality());
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
    let keys: Vec<Vec<AssignedValue<Fr>>> =
        circuit.preprocessed().iter().map(|p| p.preprocessed.clone()).collect();
    let layout = kind.child_layout();
    // A precompile node's second child is a batch proof, not a node.
    let chain = kind.discharged_chain();
    let nodes = if chain.is_some() { &previous[..1] } else { &previous[..] };
    let boundaries = nodes
        .iter()
        .enumerate()
        .map(|(i, instances)| {
            AssignedBoundary::read(instances, &layout).ok_or(NodeError::ChildInstances(i))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let range = circuit.builder.range_chip();
    let gate = range.gate();
    let ctx = circuit.builder.main(0);

    // Which keys the children were verified with.
    let family = match kind {
        NodeKind::Leaf => None,
        NodeKind::Root => Some(AssignedFamily::constant(ctx, &inputs.family)),
        _ => Some(AssignedFamily::witness(ctx, gate, inputs.family.leaf, inputs.family.members())),
    };
    if let Some(family) = &family {
        for (i, instances) in nodes.iter().enumerate() {
            let key = child_key(ctx, gate, &keys, i)?;
            let child_family = *instances.get(FAMILY_INDEX).ok_or(NodeError::ChildInstances(i))?;
            family.admit(ctx, gate, key, child_family);
        }
    }

    let mut whole = link(ctx, gate, &boundaries);
    if let Some(chain) = chain {
        let batch = AssignedBatch::read(&previous[1]).ok_or(NodeError::ChildInstances(1))?;
        let key = child_key(ctx, gate, &keys, 1)?;
        let batch_key = match chain {
            Chain::Keccak => inputs.batch_keys.keccak,
            _ => inputs.batch_keys.secp,
        };
        admit_batch(ctx, gate, key, batch_key);
        whole = discharge_batch(ctx, gate, &whole, chain, &batch);
    }
    let exposed = if kind == NodeKind::Root {
        root_statement(ctx, &range, &whole, &inputs.digest).to_instances()
    } else {
        let mut exposed = whole.to_instances();
        // A leaf belongs to no family of its own (its key is the constant the others
        // hold), so it exposes zero for F.
        exposed.push(family.as_ref().map_or_else(|| ctx.load_zero(), |family| family.digest));
        exposed
    };
    // The SDK put the accumulator limbs first; our statement follows them.
    circuit.builder.assigned_instances[0].extend(exposed);
    Ok(circuit)
}

/// The digest of child `i`'s verifying key, hashed from the cells the aggregation loaded
/// its preprocessed commitments and transcript state as.
fn child_key(
    ctx: &mut Context<Fr>,
    gate: &GateChip<Fr>,
    keys: &[Vec<AssignedValue<Fr>>],
    i: usize,
) -> Result<AssignedValue<Fr>, NodeError> {
    let fields = keys.get(i).filter(|k| !k.is_empty()).ok_or(NodeError::ChildKey(i))?;
    Ok(key_digest(ctx, gate, fields))
}

/// Sizes a circuit built for keygen and returns its configuration:
/// - given `family` (the leaf's configuration, which every other family node takes so that
///   every family proof has the same shape), the circuit takes it; `None` if it needs more
///   columns than that;
/// - the leaf and the root take the columns they need at `k`;
/// - the wrapper takes the smallest `k` from `k` up at which one advice column holds every
///   cell, but at most `max_k`: past that the proof does not fit in memory (a 2^23-row
///   proof was killed at 23 GiB on the 24 GiB machine), so it would take a second column
///   instead.
pub fn size_circuit(
    circuit: &mut AggregationCircuit,
    kind: NodeKind,
    k: u32,
    max_k: u32,
    family: Option<AggregationConfigParams>,
) -> Option<AggregationConfigParams> {
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
    let needed = circuit.calculate_params(Some(BLINDING_ROWS));
    match family {
        Some(family) => {
            let fits = needed.degree == family.degree
                && needed.num_advice <= family.num_advice
                && needed.num_lookup_advice <= family.num_lookup_advice
                && needed.num_fixed <= family.num_fixed
                && needed.lookup_bits == family.lookup_bits;
            if !fits {
                return None;
            }
            circuit.set_params(family);
            Some(family)
        }
        None => Some(needed),
    }
}

/// The circuit's public inputs as field values (the accumulator first).
pub fn instances(circuit: &AggregationCircuit) -> Vec<Fr> {
    circuit.builder.assigned_instances[0].iter().map(|v| *v.value()).collect()
}
