//! The root's statement about a whole program, in-circuit.
//!
//! Given the boundary of the entire execution (the top node's), the root constrains:
//! - every chain starts at its agreed initial value (invariant 7);
//! - the last segment halted, with exit code 0 (invariant 7);
//! - the keccak and secp256k1 chains end where they started: no precompile call happened.
//!   Nothing proves precompile outputs yet, so a run that made one has no proof. This is
//!   where the keccak-f and secp256k1 batch proofs will meet the VM's chains;
//! - the output chain equals the chain of one COMMIT of the 32-byte digest, which it takes
//!   as witness bytes (each range-checked to 8 bits).
//!
//! It exposes `program_id` (the start memory root: the Poseidon root of the program's
//! initial memory, the machine page with the entry pc included) and the digest as two
//! 128-bit big-endian halves, the way the EVM splits a `bytes32`.

use circuits::chains::{Chain, Chains, CHAIN_DOMAIN, VALUES_PER_ELEMENT};
use circuits::Fr;
use halo2_base::gates::{GateInstructions, RangeChip, RangeInstructions};
use halo2_base::halo2_proofs::arithmetic::Field;
use halo2_base::QuantumCell::{Constant, Existing};
use halo2_base::{AssignedValue, Context};

use super::link::AssignedBoundary;
use crate::output::OutputDigest;
use circuits::poseidon::flex::hash_node;

/// The root's public statement, as cells.
#[derive(Debug, Clone, Copy)]
pub struct AssignedStatement {
    /// The program's identity.
    pub program_id: AssignedValue<Fr>,
    /// Bytes 0..16 of the digest, big-endian.
    pub digest_hi: AssignedValue<Fr>,
    /// Bytes 16..32 of the digest, big-endian.
    pub digest_lo: AssignedValue<Fr>,
}

impl AssignedStatement {
    /// The statement in public-input order: `program_id, digest_hi, digest_lo`.
    pub fn to_instances(self) -> Vec<AssignedValue<Fr>> {
        vec![self.program_id, self.digest_hi, self.digest_lo]
    }
}

fn pow2(bits: usize) -> Fr {
    Fr::from(2).pow_vartime([bits as u64])
}

/// Constrains the whole execution `whole` to be a successful run from the initial chains
/// whose output is exactly one COMMIT of `digest`, and returns the public statement.
pub fn root_statement(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    whole: &AssignedBoundary,
    digest: &OutputDigest,
) -> AssignedStatement {
    let gate = range.gate();
    let initial = Chains::initial();
    for chain in Chain::ALL {
        gate.assert_is_const(ctx, &whole.chains_start[chain as usize], &initial.get(chain));
    }
    gate.assert_is_const(ctx, &whole.halted, &Fr::one());
    gate.assert_is_const(ctx, &whole.exit_code, &Fr::zero());
    for chain in [Chain::Keccak, Chain::Secp] {
        gate.assert_is_const(ctx, &whole.chains_end[chain as usize], &initial.get(chain));
    }

    let bytes: Vec<AssignedValue<Fr>> =
        digest.0.iter().map(|&b| ctx.load_witness(Fr::from(u64::from(b)))).collect();
    for byte in &bytes {
        range.range_check(ctx, *byte, 8);
    }
    // The committed words, little-endian as the guest stores them, packed three to an
    // element as the chains pack a call's values.
    let words: Vec<AssignedValue<Fr>> = bytes
        .chunks(4)
        .map(|w| gate.inner_product(ctx, w.iter().copied(), (0..4).map(|i| Constant(pow2(8 * i)))))
        .collect();
    let mut chain = ctx.load_constant(initial.get(Chain::Output));
    let domain = Fr::from(CHAIN_DOMAIN + Chain::Output as u64);
    for values in words.chunks(VALUES_PER_ELEMENT) {
        let element = gate.inner_product(
            ctx,
            values.iter().copied(),
            (0..values.len()).map(|i| Constant(pow2(64 * i))),
        );
        chain = hash_node(ctx, gate, domain, chain, element);
    }
    ctx.constrain_equal(&chain, &whole.chains_end[Chain::Output as usize]);

    let half = |ctx: &mut Context<Fr>, bytes: &[AssignedValue<Fr>]| {
        gate.inner_product(
            ctx,
            bytes.iter().map(|b| Existing(*b)),
            (0..bytes.len()).rev().map(|i| Constant(pow2(8 * i))),
        )
    };
    let digest_hi = half(ctx, &bytes[..16]);
    let digest_lo = half(ctx, &bytes[16..]);
    AssignedStatement { program_id: whole.mem_root_start, digest_hi, digest_lo }
}
