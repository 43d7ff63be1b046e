//! Builds a block's [`GuestInput`] from the node: the block and its parent, then the
//! witness, from `debug_executionWitness` where the node serves it, otherwise from
//! `eth_getProof` at the parent for everything a native pre-execution of the block
//! touched. Either way the input is validated natively before it is returned.

use std::collections::BTreeSet;

use alloy_consensus::Header;
use alloy_primitives::{Bytes, B256};
use stateless::{ChainConfig, GuestInput};
use tokio::runtime::Handle;

use super::execution_witness::execution_witness;
use super::orphans;
use super::proofs::{fetch_proofs, proof_nodes, requests_for};
use super::recording_db::{RecordingDb, Touched};
use super::{NodeClient, NodeError};

/// The guest input of block `block_hash` under `chain`, checked natively.
pub async fn build_guest_input(
    node: &NodeClient,
    chain: ChainConfig,
    block_hash: B256,
) -> Result<GuestInput, NodeError> {
    let block = node
        .block_by_hash(block_hash)
        .await?
        .ok_or_else(|| NodeError::BlockNotFound(block_hash.to_string()))?;
    if block.header.hash_slow() != block_hash {
        return Err(NodeError::Inconsistent(format!(
            "block {block_hash} hashes to {} as the node serves it",
            block.header.hash_slow()
        )));
    }
    let parent_hash = block.header.parent_hash;
    let parent = node.header_by_hash(parent_hash).await?.ok_or_else(|| {
        NodeError::Inconsistent(format!("the parent {parent_hash} of {block_hash} is missing"))
    })?;
    let block_rlp = Bytes::from(alloy_rlp::encode(&block));

    if let Some(witness) = execution_witness(node, parent.number + 1).await? {
        match check(witness.into_input(chain, &block_rlp, &parent)).await {
            Ok(input) => return Ok(input),
            Err(e) => tracing::warn!(
                block = %block_hash,
                error = %e,
                "the node's debug_executionWitness does not validate the block; using eth_getProof"
            ),
        }
    }

    let touched = pre_execute(node, chain, block, parent.number).await?;
    let batch = node.options().proof_batch;
    let proofs = fetch_proofs(node, &requests_for(&touched, batch, true), parent.number).await?;
    let state: BTreeSet<Bytes> =
        touched.account_proofs.values().flatten().chain(proof_nodes(&proofs)).cloned().collect();
    let ancestors = match touched.oldest_block_hash {
        Some(oldest) => ancestors(node, &parent, oldest).await?,
        None => Vec::new(),
    };
    let input = GuestInput {
        chain,
        block: block_rlp,
        parent,
        state: state.into_iter().collect(),
        codes: touched.codes.clone().into_values().collect(),
        ancestors,
    };
    // Deletions may need nodes beside the touched paths; the post-state proofs ask for
    // every touched account, known or not.
    orphans::complete(node, input, &requests_for(&touched, batch, false)).await
}

/// Executes the block natively over the node's parent state, recording what it reads.
async fn pre_execute(
    node: &NodeClient,
    chain: ChainConfig,
    block: alloy_consensus::Block<alloy_consensus::TxEnvelope>,
    parent_number: u64,
) -> Result<Touched, NodeError> {
    let db = RecordingDb::new(node.clone(), Handle::current(), parent_number);
    let outcome = tokio::task::spawn_blocking(move || {
        let mut db = db;
        let result = stateless::execute_over(&chain, &block, &mut db);
        (result, db)
    })
    .await
    .map_err(|e| NodeError::Inconsistent(format!("pre-execution panicked: {e}")))?;
    let (result, mut db) = outcome;
    if let Some(error) = db.error.take() {
        return Err(error);
    }
    result.map_err(NodeError::Execution)?;
    Ok(db.into_touched())
}

/// Headers from the parent's parent down to block `oldest`, newest first.
async fn ancestors(
    node: &NodeClient,
    parent: &Header,
    oldest: u64,
) -> Result<Vec<Header>, NodeError> {
    let mut headers = Vec::new();
    let mut expected = parent.parent_hash;
    for number in (oldest..parent.number).rev() {
        let header = node.header_by_hash(expected).await?.ok_or_else(|| {
            NodeError::Inconsistent(format!("ancestor {number} ({expected}) is missing"))
        })?;
        expected = header.parent_hash;
        headers.push(header);
    }
    Ok(headers)
}

/// Validates `input` natively; the witness must be complete and the block valid.
async fn check(input: GuestInput) -> Result<GuestInput, NodeError> {
    let (input, result) = orphans::validate(input).await?;
    result.map(|()| input).map_err(NodeError::Witness)
}
