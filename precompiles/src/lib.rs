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

use vm::trace::PrecompileCall;

/// Cuts the calls among `calls` that `is_call` picks into batches of at most `capacity`,
/// each built by `build` from its calls and the chain value the previous batch ended at
/// (`chain_end`; the first starts from the chain's initial value, zero).
pub(crate) fn split_chained<B, E>(
    calls: &[PrecompileCall],
    capacity: usize,
    is_call: impl Fn(&PrecompileCall) -> bool,
    build: impl Fn(&[PrecompileCall], Fr) -> Result<B, E>,
    chain_end: impl Fn(&B) -> Fr,
) -> Result<Vec<B>, E> {
    let picked: Vec<PrecompileCall> = calls.iter().filter(|c| is_call(c)).cloned().collect();
    let mut start = Fr::zero();
    let mut out = Vec::new();
    for chunk in picked.chunks(capacity.max(1)) {
        let batch = build(chunk, start)?;
        start = chain_end(&batch);
        out.push(batch);
    }
    Ok(out)
}
