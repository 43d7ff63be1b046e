//! The keccak-f\[1600\] precompile circuit: a batch of `KECCAK_PERMUTE` calls, each proved
//! to be the permutation of its input, and the keccak chain over them.
//!
//! - [`spec`]: the permutation in the sparse form the circuit uses, and its per-round
//!   values.
//! - [`tables`]: the lookup tables (digit parities, χ, binary to sparse).
//! - [`layout`]: where every cell lives (a slot per lane normalization, in column groups,
//!   and a chain block per permutation).
//! - [`circuit`]: the columns and gates; [`prove`]: keys, proofs and verification.
//!
//! **Statement.** For public inputs `(h₀, h₁)`: there are permutations `(xᵢ, keccak-f(xᵢ))`
//! and flags `activeᵢ` such that folding the 17 chain elements of each active pair into
//! `h₀`, in order, gives `h₁`. The elements are the ones the VM segment circuit folds
//! for the same call ([`circuits::chains::call_values`]), so a batch proof whose chain meets
//! the VM's proves every output the VM received.

pub mod circuit;
mod gates;
pub mod layout;
pub mod prove;
pub mod spec;
pub mod tables;
pub mod witness;

pub use circuit::{KeccakCircuit, KeccakColumn, KeccakConfig};
pub use layout::KeccakParams;
pub use prove::{keygen, keygen_vk, prove_batch, verify_batch, KeccakProof};
pub use witness::KeccakBatch;

/// Why a batch cannot be proved, or a proof does not verify.
#[derive(Debug, thiserror::Error)]
pub enum KeccakError {
    /// The shape is impossible, or does not fit its `2^k` rows.
    #[error("keccak circuit shape: {0}")]
    Shape(String),
    /// More calls than the circuit has slots.
    #[error("{calls} permutations do not fit a circuit of {capacity}")]
    BatchTooLarge {
        /// Calls in the batch.
        calls: usize,
        /// Slots of the circuit.
        capacity: usize,
    },
    /// A call in the batch is not `KECCAK_PERMUTE`.
    #[error("call {index} is not KECCAK_PERMUTE")]
    NotKeccak {
        /// The call's index in the batch.
        index: usize,
    },
    /// A call's output is not keccak-f of its input.
    #[error("call {index}: the output is not keccak-f of the input")]
    WrongOutput {
        /// The call's index in the batch.
        index: usize,
    },
    /// The parameters are for another circuit size.
    #[error("the parameters have k = {params}, the circuit needs {circuit}")]
    ParamsSize {
        /// The parameters' k.
        params: u32,
        /// The circuit's k.
        circuit: u32,
    },
    /// halo2 failed (keygen or proving).
    #[error("halo2: {0}")]
    Halo2(String),
    /// The proof does not verify.
    #[error("the keccak batch proof does not verify")]
    Invalid,
}
