//! The L1 side of the service: block proofs go to `Rollup.submitBlockProof`, in block
//! order, from one signing account, with every transaction recorded in the job store
//! before it is broadcast (see [`submitter`] for the rules).

mod chain;
mod signer;
mod submitter;

use alloy_primitives::Address;
use prover::Proof;

pub use chain::{L1Client, L1Error, Receipt, Revert};
pub use signer::{load_signer, SignerError, KEY_ENV};
pub use submitter::{rollup_key, Submitter, SubmitterError, SubmitterOptions, Tick};

use crate::store::{JobStore, NewSubmission, StoreError};

/// Why a proof could not be queued for L1.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The proof does not state these public values.
    #[error(transparent)]
    Calldata(#[from] contracts::rollup::CalldataError),
    /// The job store.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Queues `proof` of the block `values` describe for the rollup at `rollup`; true if the
/// queue now holds it (false: a transaction for another proof of that block number is
/// already out).
pub async fn queue_proof(
    store: &JobStore,
    rollup: Address,
    values: &stateless::PublicValues,
    proof: &Proof,
    job_id: Option<String>,
) -> Result<bool, QueueError> {
    let calldata = contracts::submit_calldata(values, proof)?;
    let submission = NewSubmission {
        rollup: rollup_key(rollup),
        block_number: values.blockNumber,
        block_hash: values.blockHash.to_string(),
        job_id,
        calldata,
    };
    Ok(store.enqueue_submission(&submission).await?)
}
