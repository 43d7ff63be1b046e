//! Poseidon over BN254: width 3 (rate 2, capacity 1), S-box x⁵, 8 full and 57 partial
//! rounds, with the round constants and MDS matrix of the Grain generator that
//! halo2-base's `OptimizedPoseidonSpec::<Fr, 3, 2>::new::<8, 57, 0>()` also uses.
//!
//! [`native`] computes it on the host; [`chip`] proves it with one custom gate on the row
//! schedule of [`rows`]; [`flex`] constrains it with halo2-base's flex gate, for the circuits
//! built on halo2-base.

pub mod chip;
pub mod flex;
pub mod native;
pub mod rows;
mod spec;

pub use native::{hash_node, permute, Sponge};
pub use spec::{PoseidonConstants, FULL_ROUNDS, PARTIAL_ROUNDS, WIDTH};
