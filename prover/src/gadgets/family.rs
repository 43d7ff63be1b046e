//! Which verifying keys a node accepts for its children, in-circuit: what lets one
//! verifier serve every tree, whatever its shape.
//!
//! A node that verifies its children with their verifying keys as *witnesses*
//! (snark-verifier's `PreprocessedAsWitness`: the fixed and permutation commitments and
//! the transcript's initial state are cells, not constants) verifies a leaf, an inner
//! node or a precompile node with one circuit. It must then say which keys it accepts,
//! or a proof of any circuit of that width would do.
//!
//! - A key's digest is the Poseidon sponge of those cells ([`key_digest`]; natively
//!   [`native_key_digest`]).
//! - The leaf's key depends on nothing above it, so its digest is a constant of the nodes
//!   above it.
//! - The inner and precompile nodes' keys cannot be constants of those same circuits: a
//!   key would then contain its own digest. Such a node takes the three digests as
//!   witnesses, hashes them into the *family digest* `F` and exposes `F`. Each child's key
//!   digest must be the leaf's or one of the three, and a child that is not a leaf must
//!   expose the same `F` ([`AssignedFamily::admit`]).
//! - The root has the four digests and `F` as constants. From the root down, every node
//!   of a tree it accepts ran one of the four circuits, with the keys the root names.
//! - A precompile node's batch child must have its batch circuit's key, a constant
//!   ([`admit_batch`]).

use circuits::poseidon::flex::sponge_hash;
use circuits::poseidon::native::Sponge;
use circuits::Fr;
use halo2_base::gates::{GateChip, GateInstructions};
use halo2_base::halo2_proofs::halo2curves::bn256::G1Affine;
use halo2_base::utils::{decompose_biguint, fe_to_biguint, CurveAffineExt};
use halo2_base::QuantumCell::{Constant, Existing};
use halo2_base::{AssignedValue, Context};
use serde::{Deserialize, Serialize};
use snark_verifier_sdk::snark_verifier::verifier::plonk::PlonkProtocol;
use snark_verifier_sdk::{BITS, LIMBS};

/// Capacity-word tag of a key digest ("vkey").
pub const KEY_DOMAIN: u64 = 0x766b_6579;
/// Capacity-word tag of the family digest ("family").
pub const FAMILY_DOMAIN: u64 = 0x6661_6d69_6c79;

/// A key's fields in the order the aggregation assigns them: each preprocessed commitment's
/// `x` then `y`, each as [`LIMBS`] limbs of [`BITS`] bits (least significant first), then
/// the transcript's initial state (a hash of the whole key).
pub fn key_fields(protocol: &PlonkProtocol<G1Affine>) -> Vec<Fr> {
    let mut fields: Vec<Fr> = protocol.preprocessed.iter().flat_map(commitment_fields).collect();
    fields.extend(protocol.transcript_initial_state);
    fields
}

/// A commitment's `x` then `y`, each as [`LIMBS`] limbs of [`BITS`] bits, least
/// significant first: the limbs halo2-ecc assigns the point.
fn commitment_fields(point: &G1Affine) -> Vec<Fr> {
    let (x, y) = point.into_coordinates();
    [x, y]
        .iter()
        .flat_map(|coordinate| decompose_biguint::<Fr>(&fe_to_biguint(coordinate), LIMBS, BITS))
        .collect()
}

/// The digest of a key's fields ([`key_fields`]), on the host.
pub fn native_key_digest(protocol: &PlonkProtocol<G1Affine>) -> Fr {
    Sponge::new(Fr::from(KEY_DOMAIN)).hash(&key_fields(protocol))
}

/// The digest of a child's key from the cells the aggregation assigned it.
pub fn key_digest(
    ctx: &mut Context<Fr>,
    gate: &GateChip<Fr>,
    fields: &[AssignedValue<Fr>],
) -> AssignedValue<Fr> {
    sponge_hash(ctx, gate, Fr::from(KEY_DOMAIN), fields)
}

/// The key digests of the tree's four node circuits below the root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFamily {
    /// The leaf's (it verifies one segment proof).
    pub leaf: Fr,
    /// The inner node's (two node proofs).
    pub inner: Fr,
    /// The keccak node's (a node proof and a keccak-f batch proof).
    pub keccak: Fr,
    /// The secp node's (a node proof and a secp256k1 batch proof).
    pub secp: Fr,
}

impl KeyFamily {
    /// The digests the nodes take as witnesses, in order.
    pub fn members(&self) -> [Fr; 3] {
        [self.inner, self.keccak, self.secp]
    }

    /// The family digest `F` every inner and precompile node exposes.
    pub fn digest(&self) -> Fr {
        family_digest(self.members())
    }
}

/// `F` of three member digests, on the host.
pub fn family_digest(members: [Fr; 3]) -> Fr {
    Sponge::new(Fr::from(FAMILY_DOMAIN)).hash(&members)
}

/// The family as a node sees it: the leaf's digest as a constant, the members and `F` as
/// cells.
#[derive(Debug, Clone, Copy)]
pub struct AssignedFamily {
    leaf: Fr,
    members: [AssignedValue<Fr>; 3],
    /// `F`, the hash of the members.
    pub digest: AssignedValue<Fr>,
}

impl AssignedFamily {
    /// The family as an inner or precompile node has it: `members` as witnesses, `F`
    /// constrained to be their hash.
    pub fn witness(ctx: &mut Context<Fr>, gate: &GateChip<Fr>, leaf: Fr, members: [Fr; 3]) -> Self {
        let members = members.map(|m| ctx.load_witness(m));
        let digest = sponge_hash(ctx, gate, Fr::from(FAMILY_DOMAIN), &members);
        Self { leaf, members, digest }
    }

    /// The family as the root has it: every digest a constant.
    pub fn constant(ctx: &mut Context<Fr>, family: &KeyFamily) -> Self {
        Self {
            leaf: family.leaf,
            members: family.members().map(|m| ctx.load_constant(m)),
            digest: ctx.load_constant(family.digest()),
        }
    }

    /// Admits a node child: its key digest `key` is the leaf's or a member's, and unless
    /// it is the leaf's, the `F` it exposes (`child_family`) is this one.
    pub fn admit(
        &self,
        ctx: &mut Context<Fr>,
        gate: &GateChip<Fr>,
        key: AssignedValue<Fr>,
        child_family: AssignedValue<Fr>,
    ) {
        let not_leaf = gate.sub(ctx, Existing(key), Constant(self.leaf));
        let mut product = not_leaf;
        for member in self.members {
            let difference = gate.sub(ctx, key, member);
            product = gate.mul(ctx, product, difference);
        }
        gate.assert_is_const(ctx, &product, &Fr::zero());
        let other_family = gate.sub(ctx, child_family, self.digest);
        let unless_leaf = gate.mul(ctx, not_leaf, other_family);
        gate.assert_is_const(ctx, &unless_leaf, &Fr::zero());
    }
}

/// Admits a batch child: its key digest `key` is its batch circuit's, `batch_key`, a
/// constant of the node. Batch circuits are not family members (nothing above a batch
/// proof reads a boundary from it), so no other key will do.
pub fn admit_batch(
    ctx: &mut Context<Fr>,
    gate: &GateChip<Fr>,
    key: AssignedValue<Fr>,
    batch_key: Fr,
) {
    gate.assert_is_const(ctx, &key, &batch_key);
}

#[cfg(test)]
mod tests {
    use super::*;
    use halo2_base::gates::circuit::builder::BaseCircuitBuilder;
    use halo2_base::halo2_proofs::dev::MockProver;
    use halo2_base::halo2_proofs::halo2curves::bn256::G1;
    use halo2_base::halo2_proofs::halo2curves::group::Curve;
    use halo2_base::utils::compose;

    const K: u32 = 14;

    fn family() -> KeyFamily {
        KeyFamily {
            leaf: Fr::from(11),
            inner: Fr::from(22),
            keccak: Fr::from(33),
            secp: Fr::from(44),
        }
    }

    fn mock(build: impl FnOnce(&mut Context<Fr>, &GateChip<Fr>)) -> bool {
        let mut builder = BaseCircuitBuilder::<Fr>::new(false).use_k(K as usize).use_lookup_bits(8);
        let gate = GateChip::<Fr>::default();
        build(builder.main(0), &gate);
        builder.calculate_params(Some(9));
        MockProver::run(K, &builder, vec![]).expect("mock").verify().is_ok()
    }

    /// A node holding `members` as witnesses admits a child of key `key` exposing `child_f`.
    fn node_admits(members: [Fr; 3], key: Fr, child_f: Fr) -> bool {
        mock(|ctx, gate| {
            let family = AssignedFamily::witness(ctx, gate, family().leaf, members);
            let (key, child_f) = (ctx.load_witness(key), ctx.load_witness(child_f));
            family.admit(ctx, gate, key, child_f);
        })
    }

    #[test]
    fn a_node_admits_the_leaf_and_each_member_and_nothing_else() {
        let f = family();
        let members = f.members();
        for key in [f.leaf, f.inner, f.keccak, f.secp] {
            assert!(node_admits(members, key, f.digest()), "key {key:?}");
        }
        assert!(!node_admits(members, Fr::from(55), f.digest()), "a key outside the family");
    }

    #[test]
    fn a_child_that_is_not_a_leaf_must_expose_the_same_family() {
        let f = family();
        let other = Fr::from(999);
        assert!(!node_admits(f.members(), f.inner, other), "an inner child of another family");
        assert!(!node_admits(f.members(), f.secp, other), "a secp child of another family");
        // A leaf exposes no family (its key is the constant).
        assert!(node_admits(f.members(), f.leaf, other));
    }

    #[test]
    fn the_exposed_family_digest_is_the_hash_of_the_members() {
        let f = family();
        let claims = |claimed: Fr| {
            mock(|ctx, gate| {
                let family = AssignedFamily::witness(ctx, gate, f.leaf, f.members());
                let claimed = ctx.load_witness(claimed);
                ctx.constrain_equal(&family.digest, &claimed);
            })
        };
        assert!(claims(f.digest()));
        assert!(!claims(f.digest() + Fr::one()));
        assert_eq!(family_digest(f.members()), f.digest());
    }

    #[test]
    fn the_root_admits_only_its_constant_family() {
        let f = family();
        let root_admits = |key: Fr, child_f: Fr| {
            mock(|ctx, gate| {
                let family = AssignedFamily::constant(ctx, &f);
                let (key, child_f) = (ctx.load_witness(key), ctx.load_witness(child_f));
                family.admit(ctx, gate, key, child_f);
            })
        };
        assert!(root_admits(f.inner, f.digest()));
        assert!(root_admits(f.leaf, Fr::zero()));
        // A node that names another inner key in its own family is refused at the root.
        let forged = KeyFamily { inner: Fr::from(77), ..f };
        assert!(!root_admits(forged.inner, forged.digest()));
        assert!(!root_admits(f.inner, forged.digest()));
    }

    #[test]
    fn a_batch_child_must_have_its_batch_circuits_key() {
        let batch_key = Fr::from(66);
        let admits = |key: Fr| {
            mock(|ctx, gate| {
                let key = ctx.load_witness(key);
                admit_batch(ctx, gate, key, batch_key);
            })
        };
        assert!(admits(batch_key));
        assert!(!admits(batch_key + Fr::one()), "another batch circuit's key");
        // A node's key in a batch child's place is refused too.
        let f = family();
        for key in [f.leaf, f.inner, f.keccak, f.secp] {
            assert!(!admits(key), "key {key:?}");
        }
    }

    #[test]
    fn a_commitment_gives_the_limbs_of_its_coordinates_and_the_digest_matches_in_circuit() {
        let point = (G1::generator() * Fr::from(5)).to_affine();
        let protocol_fields = commitment_fields(&point);
        assert_eq!(protocol_fields.len(), 2 * LIMBS);
        // Each half recomposes to its coordinate.
        let (x, y) = point.into_coordinates();
        let recompose = |limbs: &[Fr]| compose(limbs.iter().map(fe_to_biguint).collect(), BITS);
        assert_eq!(recompose(&protocol_fields[..LIMBS]), fe_to_biguint(&x));
        assert_eq!(recompose(&protocol_fields[LIMBS..]), fe_to_biguint(&y));
        let in_circuit = |claimed: Fr| {
            mock(|ctx, gate| {
                let cells: Vec<_> = protocol_fields.iter().map(|f| ctx.load_witness(*f)).collect();
                let digest = key_digest(ctx, gate, &cells);
                let claimed = ctx.load_witness(claimed);
                ctx.constrain_equal(&digest, &claimed);
            })
        };
        let native = Sponge::new(Fr::from(KEY_DOMAIN)).hash(&protocol_fields);
        assert!(in_circuit(native));
        assert!(!in_circuit(native + Fr::one()));
    }
}
