//! Poseidon on the host: the reference for the custom gate and for the page tree.

use halo2_base::halo2_proofs::arithmetic::Field;

use super::spec::{PoseidonConstants, FULL_ROUNDS, PARTIAL_ROUNDS, WIDTH};
use crate::Fr;

/// x⁵.
pub fn sbox(x: Fr) -> Fr {
    let sq = x.square();
    sq.square() * x
}

/// One round: add the round constants, apply the S-box (to every word in a full round,
/// to word 0 in a partial one), multiply by the MDS matrix.
pub fn round(state: &mut [Fr; WIDTH], r: usize) {
    let constants = PoseidonConstants::get();
    let full = PoseidonConstants::is_full_round(r);
    let mut after_sbox = [Fr::ZERO; WIDTH];
    for i in 0..WIDTH {
        let x = state[i] + constants.round_constants[r][i];
        after_sbox[i] = if full || i == 0 { sbox(x) } else { x };
    }
    for (i, word) in state.iter_mut().enumerate() {
        *word = (0..WIDTH).map(|j| constants.mds[i][j] * after_sbox[j]).sum();
    }
}

/// The Poseidon permutation.
pub fn permute(state: &mut [Fr; WIDTH]) {
    for r in 0..FULL_ROUNDS + PARTIAL_ROUNDS {
        round(state, r);
    }
}

/// Two-to-one compression for Merkle nodes: `permute([domain, left, right])[1]`.
pub fn hash_node(domain: Fr, left: Fr, right: Fr) -> Fr {
    let mut state = [domain, left, right];
    permute(&mut state);
    state[1]
}

/// A sponge of rate 2 whose capacity word starts at a domain tag: absorb pairs of field
/// elements (the last one padded with zero), one permutation each; the digest is word 1.
#[derive(Debug, Clone)]
pub struct Sponge {
    state: [Fr; WIDTH],
}

impl Sponge {
    /// A sponge for inputs of the domain `domain`.
    pub fn new(domain: Fr) -> Self {
        Self { state: [domain, Fr::ZERO, Fr::ZERO] }
    }

    /// Absorbs one block of two elements and permutes.
    pub fn absorb(&mut self, block: [Fr; 2]) {
        self.state[1] += block[0];
        self.state[2] += block[1];
        permute(&mut self.state);
    }

    /// Absorbs `elements` in blocks of two, padding an odd tail with zero, and returns the
    /// digest.
    pub fn hash(mut self, elements: &[Fr]) -> Fr {
        for pair in elements.chunks(2) {
            self.absorb([pair[0], pair.get(1).copied().unwrap_or(Fr::ZERO)]);
        }
        self.state[1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use poseidon_primitives::poseidon::primitives::{ConstantLength, Hash, Spec};

    #[derive(Debug)]
    struct Reference;

    impl Spec<Fr, 3, 2> for Reference {
        fn full_rounds() -> usize {
            8
        }
        fn partial_rounds() -> usize {
            57
        }
        fn sbox(val: Fr) -> Fr {
            val.pow_vartime([5])
        }
        fn secure_mds() -> usize {
            0
        }
    }

    #[test]
    fn permutation_matches_poseidon_primitives() {
        let reference = Hash::<Fr, Reference, ConstantLength<2>, 3, 2>::init();
        for seed in 0..8u64 {
            let mut ours = [Fr::from(seed), Fr::from(seed * 7 + 1), -Fr::from(seed + 3)];
            let mut theirs = ours;
            permute(&mut ours);
            reference.permute(&mut theirs);
            assert_eq!(ours, theirs);
        }
    }
}
