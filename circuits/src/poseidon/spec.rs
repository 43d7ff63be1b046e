//! The Poseidon parameters and their constants.

use std::sync::OnceLock;

use poseidon_primitives::poseidon::primitives::Spec;

use crate::Fr;

/// State width.
pub const WIDTH: usize = 3;
/// Number of full rounds (half before, half after the partial rounds).
pub const FULL_ROUNDS: usize = 8;
/// Number of partial rounds.
pub const PARTIAL_ROUNDS: usize = 57;

/// The parameter set, for the constant generator of `poseidon-primitives`.
#[derive(Debug)]
struct Width3;

impl Spec<Fr, WIDTH, 2> for Width3 {
    fn full_rounds() -> usize {
        FULL_ROUNDS
    }

    fn partial_rounds() -> usize {
        PARTIAL_ROUNDS
    }

    fn sbox(val: Fr) -> Fr {
        let sq = val * val;
        sq * sq * val
    }

    fn secure_mds() -> usize {
        0
    }
}

/// Round constants (one row of [`WIDTH`] per round) and the MDS matrix.
#[derive(Debug, Clone)]
pub struct PoseidonConstants {
    /// `round_constants[r][i]` is added to state word `i` at the start of round `r`.
    pub round_constants: Vec<[Fr; WIDTH]>,
    /// The MDS matrix applied at the end of every round.
    pub mds: [[Fr; WIDTH]; WIDTH],
}

impl PoseidonConstants {
    /// The constants, generated once per process.
    pub fn get() -> &'static PoseidonConstants {
        static CONSTANTS: OnceLock<PoseidonConstants> = OnceLock::new();
        CONSTANTS.get_or_init(|| {
            let (round_constants, mds, _) = Width3::constants();
            PoseidonConstants { round_constants, mds }
        })
    }

    /// Whether round `r` is a full round (all S-boxes) rather than a partial one.
    pub fn is_full_round(r: usize) -> bool {
        !(FULL_ROUNDS / 2..FULL_ROUNDS / 2 + PARTIAL_ROUNDS).contains(&r)
    }
}
