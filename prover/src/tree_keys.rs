//! The keys of the tree's node circuits, derived together from the segment and batch
//! circuits up; one set serves every tree, whatever its number of segments and batches.
//!
//! In order, each from placeholder children of the right shapes (keys do not depend on
//! witnesses):
//! 1. the leaf's key, over the segment circuit's: its configuration is the family's;
//! 2. the inner, keccak and secp nodes' keys, which hold the leaf's key digest (and a batch
//!    circuit's) as constants: with the leaf's, their digests are the [`KeyFamily`];
//! 3. the root's key, which holds the whole family;
//! 4. the wrapper's key, which holds the root's: the key the EVM verifier is made from.

use halo2_base::halo2_proofs::halo2curves::bn256::G1Affine;
use halo2_base::halo2_proofs::plonk::VerifyingKey;
use snark_verifier_sdk::halo2::aggregation::AggregationConfigParams;
use snark_verifier_sdk::halo2::gen_dummy_snark_from_vk;
use snark_verifier_sdk::{Snark, SHPLONK};

use crate::gadgets::family::{native_key_digest, KeyFamily};
use crate::keys::BaseCircuit;
use crate::node::{BatchKeys, NodeInputs, NodeKind, ACCUMULATOR_LIMBS};
use crate::output::OutputDigest;
use crate::{Keys, ProveError};

/// What a placeholder stands for.
#[derive(Clone, Copy)]
enum Placeholder {
    /// A proof of a circuit at the tree's bottom.
    Base(BaseCircuit),
    /// A node proof.
    Node(NodeKind),
}

/// A placeholder snark with `vk`'s protocol, for deriving the keys of the nodes above it.
fn placeholder(
    keys: &Keys,
    vk: &VerifyingKey<G1Affine>,
    of: Placeholder,
) -> Result<Snark, ProveError> {
    let params = keys.params(vk.get_domain().k())?;
    let (num_instance, accumulator) = match of {
        Placeholder::Base(BaseCircuit::Segment) => (circuits::segment::NUM_PUBLIC_INPUTS, None),
        Placeholder::Base(BaseCircuit::KeccakBatch) => {
            (precompiles::keccak::prove::NUM_PUBLIC_INPUTS, None)
        }
        Placeholder::Base(BaseCircuit::SecpBatch) => {
            (precompiles::secp256k1::NUM_PUBLIC_INPUTS, None)
        }
        Placeholder::Node(kind) => {
            (kind.num_public_inputs(), Some((0..ACCUMULATOR_LIMBS).map(|i| (0, i)).collect()))
        }
    };
    Ok(gen_dummy_snark_from_vk::<SHPLONK>(&params, vk, vec![num_instance], accumulator))
}

/// Inputs for a node whose circuit reads none of them (the leaf, the wrapper).
fn no_inputs() -> NodeInputs {
    let zero = circuits::Fr::zero();
    NodeInputs {
        digest: OutputDigest([0; 32]),
        family: KeyFamily { leaf: zero, inner: zero, keccak: zero, secp: zero },
        batch_keys: BatchKeys { keccak: zero, secp: zero },
    }
}

impl Keys {
    /// A placeholder proof of `circuit`: kept once per process, and on disk for this build
    /// ([`crate::base_cache`]); else made from its verifying key, which is then freed (it
    /// holds its domain's FFT tables).
    pub(crate) fn placeholder_of(&self, circuit: BaseCircuit) -> Result<Snark, ProveError> {
        self.base_placeholder(circuit, || {
            if let Some(cached) = self.read_base_placeholder(circuit) {
                return Ok(cached);
            }
            let vk = match circuit {
                BaseCircuit::Segment => self.segment_vk()?,
                BaseCircuit::KeccakBatch => self.keccak_vk()?,
                BaseCircuit::SecpBatch => self.secp_vk()?,
            };
            let made = placeholder(self, &vk, Placeholder::Base(circuit))?;
            self.write_base_placeholder(circuit, &made);
            Ok(made)
        })
    }

    /// A placeholder proof of a `kind` node over children of these shapes, with the node's
    /// configuration: kept once per process and in the node key's sidecar, else made from
    /// its verifying key (disk cache or keygen). A process deriving the family from
    /// sidecars that hold theirs reads no verifying key.
    fn node_placeholder(
        &self,
        kind: NodeKind,
        children: &[Snark],
        inputs: &NodeInputs,
    ) -> Result<(Snark, AggregationConfigParams), ProveError> {
        let id = self.node_key_id(kind, children, inputs)?;
        let known =
            self.node_placeholders.lock().map_err(|_| ProveError::Poisoned)?.get(&id).cloned();
        if let Some(found) = known {
            return Ok(found);
        }
        let found = match self.read_cached_placeholder(kind, &id) {
            Some(found) => found,
            None => {
                let (vk, config) = self.node_vk_with_config(kind, children, inputs)?;
                let snark = placeholder(self, &vk, Placeholder::Node(kind))?;
                self.cache_placeholder(kind, &id, &snark);
                (snark, config)
            }
        };
        self.node_placeholders.lock().map_err(|_| ProveError::Poisoned)?.insert(id, found.clone());
        Ok(found)
    }

    /// A placeholder leaf proof, with the leaf's configuration (the family's).
    fn leaf_placeholder(&self) -> Result<(Snark, AggregationConfigParams), ProveError> {
        let segment = self.placeholder_of(BaseCircuit::Segment)?;
        self.node_placeholder(NodeKind::Leaf, &[segment], &no_inputs())
    }

    /// The configuration every family node has: the leaf's.
    pub fn family_config(&self) -> Result<AggregationConfigParams, ProveError> {
        Ok(self.leaf_placeholder()?.1)
    }

    /// The key family and the batch circuits' key digests: keygen of the leaf, inner,
    /// keccak and secp nodes where the key cache has none, once per [`Keys`].
    pub fn family(&self) -> Result<(KeyFamily, BatchKeys), ProveError> {
        if let Some(found) = *self.family.lock().map_err(|_| ProveError::Poisoned)? {
            return Ok(found);
        }
        let (leaf, _) = self.leaf_placeholder()?;
        let keccak_batch = self.placeholder_of(BaseCircuit::KeccakBatch)?;
        let secp_batch = self.placeholder_of(BaseCircuit::SecpBatch)?;
        let batch_keys = BatchKeys {
            keccak: native_key_digest(&keccak_batch.protocol),
            secp: native_key_digest(&secp_batch.protocol),
        };
        let zero = circuits::Fr::zero();
        // The members are witnesses of these circuits: any value will do for keygen.
        let inputs = NodeInputs {
            family: KeyFamily {
                leaf: native_key_digest(&leaf.protocol),
                inner: zero,
                keccak: zero,
                secp: zero,
            },
            batch_keys,
            ..no_inputs()
        };
        let digest_of = |kind: NodeKind, children: Vec<Snark>| -> Result<_, ProveError> {
            let (node, _) = self.node_placeholder(kind, &children, &inputs)?;
            Ok(native_key_digest(&node.protocol))
        };
        let family = KeyFamily {
            leaf: inputs.family.leaf,
            inner: digest_of(NodeKind::Inner, vec![leaf.clone(), leaf.clone()])?,
            keccak: digest_of(NodeKind::Keccak, vec![leaf.clone(), keccak_batch])?,
            secp: digest_of(NodeKind::Secp, vec![leaf, secp_batch])?,
        };
        *self.family.lock().map_err(|_| ProveError::Poisoned)? = Some((family, batch_keys));
        Ok((family, batch_keys))
    }

    /// What a `kind` node's circuit takes besides its children, for a run that committed
    /// `digest`.
    pub fn node_inputs(
        &self,
        kind: NodeKind,
        digest: &OutputDigest,
    ) -> Result<NodeInputs, ProveError> {
        Ok(match kind {
            NodeKind::Leaf | NodeKind::Wrapper => no_inputs(),
            NodeKind::Inner | NodeKind::Keccak | NodeKind::Secp | NodeKind::Root => {
                let (family, batch_keys) = self.family()?;
                NodeInputs { digest: *digest, family, batch_keys }
            }
        })
    }
}

/// The wrapper's verifying key, with its circuit's configuration: the same for every
/// tree, derived from the segment and precompile circuits' keys up (cached like every
/// node key).
pub fn wrapper_vk(
    keys: &Keys,
) -> Result<(VerifyingKey<G1Affine>, AggregationConfigParams), ProveError> {
    let (leaf, _) = keys.leaf_placeholder()?;
    let inputs = keys.node_inputs(NodeKind::Root, &OutputDigest([0; 32]))?;
    let (root, _) = keys.node_placeholder(NodeKind::Root, &[leaf], &inputs)?;
    keys.node_vk_with_config(NodeKind::Wrapper, &[root], &no_inputs())
}
