//! The precompile circuits. Each proves a batch of one precompile's calls, and computes,
//! over the calls it proves, the same chain (a Poseidon running hash, see
//! [`circuits::chains`]) that the VM segment circuit computes over the syscalls it
//! executes. The proof tree checks that the two chains meet, which is what makes every
//! precompile output in a VM trace the true function of its input (DESIGN.md §8,
//! invariant 4).
//!
//! - [`keccak`]: keccak-f\[1600\] (`KECCAK_PERMUTE`).
//! - [`secp256k1`]: public-key recovery (`SECP256K1_RECOVER`), failures included.
//!
//! The README says how to add the next one.

pub mod keccak;
pub mod secp256k1;

pub use circuits::Fr;
