//! The running hashes ("chains") that bind a segment's syscall data: the COMMIT output and
//! each precompile's calls.
//!
//! A chain is a Merkle–Damgård fold of field elements with the two-to-one Poseidon
//! compression: `h' = hash_node(CHAIN_DOMAIN + chain, h, e)`, from [`Chains::initial`]
//! (zero). A call contributes 64-bit *values*, packed three to an element (little end
//! first; a call's last element may hold fewer), never across calls:
//!
//! - COMMIT: one value per committed word.
//! - KECCAK_PERMUTE: per state word `k` (lane `k / 2`, low half first), the word before
//!   the permutation plus 2³² times the word after it.
//! - SECP256K1_RECOVER: the success flag, then the 25 input words (hash, r, s, v) and the
//!   16 output words (the public key, zeros on failure).
//!
//! The segment circuit computes these chains from its syscall rows and exposes their start
//! and end values as public inputs; the precompile circuits compute the same chains from
//! the calls they prove, and aggregation checks that the two meet.

use vm::trace::{PrecompileCall, SegmentRecord};
pub use vm::Chain;

use crate::poseidon::hash_node;
use crate::Fr;

/// Capacity-word tag of chain steps; chain `c` uses `CHAIN_DOMAIN + c`.
pub const CHAIN_DOMAIN: u64 = 0x6368_6169_6e00; // "chain\0"
/// Values packed into one element (3 × 64 = 192 bits < 254).
pub const VALUES_PER_ELEMENT: usize = vm::CHAIN_ROWS_PER_ELEMENT as usize;

/// One chain step: absorbs `element` into the chain value `value`.
pub fn chain_step(chain: Chain, value: Fr, element: Fr) -> Fr {
    hash_node(Fr::from(CHAIN_DOMAIN + chain as u64), value, element)
}

/// Packs a call's values three to an element, little end first.
pub fn pack_values(values: &[u64]) -> Vec<Fr> {
    let shift = Fr::from(1u64 << 32) * Fr::from(1u64 << 32);
    values
        .chunks(VALUES_PER_ELEMENT)
        .map(|chunk| chunk.iter().rev().fold(Fr::zero(), |acc, &v| acc * shift + Fr::from(v)))
        .collect()
}

/// The values a COMMIT of `bytes` (a multiple of four) contributes.
pub fn commit_values(bytes: &[u8]) -> Vec<u64> {
    bytes.chunks_exact(4).map(|w| u64::from(u32::from_le_bytes([w[0], w[1], w[2], w[3]]))).collect()
}

fn words(bytes: &[u8]) -> impl Iterator<Item = u64> + '_ {
    commit_values(bytes).into_iter()
}

/// The chain a precompile call belongs to, and the values it contributes.
pub fn call_values(call: &PrecompileCall) -> (Chain, Vec<u64>) {
    match call {
        PrecompileCall::KeccakPermute { input, output } => {
            let halves = |lanes: &[u64; 25]| {
                lanes.iter().flat_map(|&l| [l & 0xffff_ffff, l >> 32]).collect::<Vec<u64>>()
            };
            let values =
                halves(input).into_iter().zip(halves(output)).map(|(i, o)| i | (o << 32)).collect();
            (Chain::Keccak, values)
        }
        PrecompileCall::Secp256k1Recover { input, output } => {
            let mut values = vec![u64::from(output.is_some())];
            values.extend(words(input));
            let key = output
                .clone()
                .unwrap_or_else(|| vec![0; abi::syscall::SECP256K1_RECOVER_OUTPUT_BYTES]);
            values.extend(words(&key));
            (Chain::Secp, values)
        }
    }
}

/// The values of every chain at one point of an execution, in [`Chain::ALL`] order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chains {
    values: [Fr; 3],
}

impl Chains {
    /// Every chain's agreed starting value (zero), where an execution begins.
    pub fn initial() -> Self {
        Self { values: [Fr::zero(); 3] }
    }

    /// Chains with the given values, in [`Chain::ALL`] order.
    pub fn new(values: [Fr; 3]) -> Self {
        Self { values }
    }

    /// A chain's value.
    pub fn get(&self, chain: Chain) -> Fr {
        self.values[chain as usize]
    }

    /// Sets a chain's value.
    pub fn set(&mut self, chain: Chain, value: Fr) {
        self.values[chain as usize] = value;
    }

    /// Folds one call's values into `chain`.
    pub fn absorb(&mut self, chain: Chain, values: &[u64]) {
        let value = &mut self.values[chain as usize];
        for element in pack_values(values) {
            *value = chain_step(chain, *value, element);
        }
    }

    /// The chains after `record`'s COMMIT and precompile calls.
    pub fn apply_segment(&self, record: &SegmentRecord) -> Self {
        let mut next = *self;
        for bytes in &record.commits {
            next.absorb(Chain::Output, &commit_values(bytes));
        }
        for call in &record.precompile_calls {
            let (chain, values) = call_values(call);
            next.absorb(chain, &values);
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_pack_three_to_an_element_within_a_call() {
        let elements = pack_values(&[1, 2, 3, 4]);
        let shift = Fr::from(1u64 << 32) * Fr::from(1u64 << 32);
        assert_eq!(
            elements,
            vec![Fr::from(1) + shift * (Fr::from(2) + shift * Fr::from(3)), Fr::from(4)]
        );
    }

    #[test]
    fn keccak_calls_contribute_fifty_values() {
        let call = PrecompileCall::KeccakPermute { input: [u64::MAX; 25], output: [1; 25] };
        let (chain, values) = call_values(&call);
        assert_eq!((chain, values.len() as u64), (Chain::Keccak, vm::KECCAK_CHAIN_ROWS));
        assert_eq!(values[0], 0x0000_0001_ffff_ffff);
        assert_eq!(values[1], 0xffff_ffff);
        let secp = PrecompileCall::Secp256k1Recover { input: vec![7; 100], output: None };
        let (chain, values) = call_values(&secp);
        assert_eq!((chain, values.len() as u64), (Chain::Secp, vm::SECP_CHAIN_ROWS));
        assert_eq!(values[0], 0);
    }

    #[test]
    fn chains_are_separate_and_order_sensitive() {
        let mut a = Chains::initial();
        a.absorb(Chain::Output, &[1, 2]);
        a.absorb(Chain::Output, &[3]);
        let mut b = Chains::initial();
        b.absorb(Chain::Output, &[1, 2, 3]);
        assert_ne!(a, b, "call boundaries are part of the chain");
        assert_eq!(a.get(Chain::Keccak), Fr::zero());
        let mut c = Chains::initial();
        c.absorb(Chain::Keccak, &[1, 2]);
        c.absorb(Chain::Keccak, &[3]);
        assert_ne!(a.get(Chain::Output), c.get(Chain::Keccak), "chains have their own domains");
    }
}
