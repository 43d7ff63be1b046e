//! The secp256k1 recovery precompile circuit: a batch of `SECP256K1_RECOVER` calls, each
//! proved to return what Ethereum's ecrecover (and our executor) returns — the key, or
//! failure — and the secp chain over them.
//!
//! - [`call`]: a call on the host (its bytes, the executor's answer, the prover's hints).
//! - [`batch`]: a batch of calls and its chain values.
//! - [`recover`]: one recovery in-circuit, failures included, on halo2-ecc; [`glv`]: its
//!   scalars split through the curve's endomorphism; [`joint`]: its `u₁·R + u₂·G` in one
//!   pass.
//! - [`circuit`]: the batch circuit's slots and chain; [`prove`]: keys, proofs and
//!   verification.
//!
//! **Statement.** For public inputs `(h₀, h₁)`: there are calls `(inputᵢ, successᵢ,
//! keyᵢ)` and flags `activeᵢ` such that each `successᵢ` and `keyᵢ` is the recovery's
//! answer for `inputᵢ` (the key, or failure with a zero key), and folding the 14 chain
//! elements of each active call into `h₀`, in slot order, gives `h₁`. The elements are the
//! ones the VM segment circuit folds for the same call ([`circuits::chains::call_values`]),
//! so a batch proof whose chain meets the VM's proves every answer the VM received.

pub mod batch;
pub mod call;
pub mod circuit;
pub mod glv;
pub mod joint;
pub mod prove;
pub mod recover;

pub use batch::SecpBatch;
pub use call::SecpCall;
pub use circuit::{SecpShape, NUM_PUBLIC_INPUTS};
pub use prove::{keygen, prove_batch, verify_batch, SecpKey, SecpProof};

/// Why a batch cannot be proved, or a proof does not verify.
#[derive(Debug, thiserror::Error)]
pub enum SecpError {
    /// The shape is impossible.
    #[error("secp256k1 circuit shape: {0}")]
    Shape(String),
    /// More calls than the circuit has slots.
    #[error("{calls} recoveries do not fit a circuit of {capacity}")]
    BatchTooLarge {
        /// Calls in the batch.
        calls: usize,
        /// Slots of the circuit.
        capacity: usize,
    },
    /// A call in the batch is not `SECP256K1_RECOVER`.
    #[error("call {index} is not SECP256K1_RECOVER")]
    NotSecp {
        /// The call's index in the batch.
        index: usize,
    },
    /// A call's input or output has the wrong length.
    #[error("call {index}: the input is not 100 bytes or the key not 64")]
    Malformed {
        /// The call's index in the batch.
        index: usize,
    },
    /// A call's output is not the recovery's answer for its input.
    #[error("call {index}: the output is not the recovery of the input")]
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
    #[error("the secp256k1 batch proof does not verify")]
    Invalid,
}
