//! `eth_getProof` for many accounts and slots at one block: one request per account
//! and batch of keys, several in flight at once.

use alloy_primitives::{Address, Bytes, B256};
use alloy_rpc_types_eth::EIP1186AccountProofResponse;
use futures::stream::{self, StreamExt as _, TryStreamExt as _};

use super::recording_db::Touched;
use super::{NodeClient, NodeError};

/// One `eth_getProof` request: an account and some of its storage keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ProofRequest {
    /// The account.
    pub(super) address: Address,
    /// Storage keys (slots, not their hashes).
    pub(super) keys: Vec<B256>,
}

/// The requests that cover everything pre-execution touched, keys in batches of
/// `batch`. With `skip_known`, accounts whose account proof is already recorded and
/// that have no keys are left out.
pub(super) fn requests_for(touched: &Touched, batch: usize, skip_known: bool) -> Vec<ProofRequest> {
    let mut requests = Vec::new();
    for (address, keys) in &touched.accounts {
        let keys: Vec<B256> = keys.iter().copied().collect();
        let known = skip_known && touched.account_proofs.contains_key(address);
        if keys.is_empty() && !known {
            requests.push(ProofRequest { address: *address, keys: Vec::new() });
        }
        for chunk in keys.chunks(batch.max(1)) {
            requests.push(ProofRequest { address: *address, keys: chunk.to_vec() });
        }
    }
    requests
}

/// Every answer to `requests` at block `number`.
pub(super) async fn fetch_proofs(
    node: &NodeClient,
    requests: &[ProofRequest],
    number: u64,
) -> Result<Vec<EIP1186AccountProofResponse>, NodeError> {
    stream::iter(requests.iter().cloned())
        .map(|request| node.proof(request.address, request.keys, number))
        .buffer_unordered(node.options().proof_concurrency.max(1))
        .try_collect()
        .await
}

/// The trie nodes of `proofs`, account and storage proofs alike.
pub(super) fn proof_nodes(proofs: &[EIP1186AccountProofResponse]) -> impl Iterator<Item = &Bytes> {
    proofs
        .iter()
        .flat_map(|p| p.account_proof.iter().chain(p.storage_proof.iter().flat_map(|s| &s.proof)))
}
