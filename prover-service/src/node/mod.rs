//! The L2 node, through alloy's JSON-RPC provider: every call has a timeout and bounded
//! retries, and failures are typed so that a caller can tell a node that is down
//! (retry later) from an answer that will not change (a missing block).

mod execution_witness;
mod orphans;
mod proofs;
mod recording_db;
mod witness;

use std::future::IntoFuture;
use std::time::Duration;

use alloy_consensus::{Block, Header, TxEnvelope};
use alloy_eips::BlockNumberOrTag;
use alloy_primitives::{Address, B256};
use alloy_provider::{Provider, RootProvider};
use alloy_rpc_types_eth::EIP1186AccountProofResponse;
use alloy_transport::{RpcError, TransportError};
use stateless::ValidationError;

pub use witness::build_guest_input;

use crate::http_client::{http_client, rpc_provider, HttpClientError, TlsOptions};

/// Why a node request failed.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// No client for the URL (it does not parse, or the TLS settings are unusable).
    #[error("node client: {0}")]
    Client(#[from] HttpClientError),
    /// No answer after every retry (down, unreachable, timing out).
    #[error("node unreachable after {attempts} attempts ({what}): {message}")]
    Unreachable {
        /// What was asked.
        what: String,
        /// How often.
        attempts: u32,
        /// The last failure.
        message: String,
    },
    /// The node answered with a JSON-RPC error.
    #[error("node refused {what}: {message}")]
    Refused {
        /// What was asked.
        what: String,
        /// The node's error.
        message: String,
    },
    /// The node does not have the block.
    #[error("block {0} is not on the node")]
    BlockNotFound(String),
    /// The node's answers contradict each other or the block.
    #[error("inconsistent node data: {0}")]
    Inconsistent(String),
    /// The block does not execute against the node's state.
    #[error("the block does not execute: {0}")]
    Execution(ValidationError),
    /// The witness built from the node's proofs does not validate the block.
    #[error("the witness does not validate the block: {0}")]
    Witness(ValidationError),
}

impl NodeError {
    /// Whether asking again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unreachable { .. })
    }
}

/// Timeouts, retries and batching for node requests.
#[derive(Debug, Clone)]
pub struct NodeOptions {
    /// Per request.
    pub timeout: Duration,
    /// Extra attempts after a transport failure.
    pub retries: u32,
    /// Storage keys per `eth_getProof` request.
    pub proof_batch: usize,
    /// `eth_getProof` requests in flight at once.
    pub proof_concurrency: usize,
    /// What https connections trust beyond the system's roots.
    pub tls: TlsOptions,
}

impl Default for NodeOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            retries: 3,
            proof_batch: 64,
            proof_concurrency: 8,
            tls: TlsOptions::default(),
        }
    }
}

/// A JSON-RPC client of one node.
#[derive(Debug, Clone)]
pub struct NodeClient {
    provider: RootProvider,
    options: NodeOptions,
}

impl NodeClient {
    /// A client of the node at `url` (http or https).
    pub fn new(url: &str, options: NodeOptions) -> Result<Self, NodeError> {
        let client = http_client(&options.tls, options.timeout)?;
        Ok(Self { provider: rpc_provider(url, client)?, options })
    }

    /// The options in use.
    pub fn options(&self) -> &NodeOptions {
        &self.options
    }

    /// Runs `request` with the timeout, retrying transport failures with backoff.
    async fn call<T, F, Fut>(&self, what: &str, request: F) -> Result<T, NodeError>
    where
        F: Fn() -> Fut,
        Fut: IntoFuture<Output = Result<T, TransportError>>,
    {
        let attempts = self.options.retries + 1;
        let mut message = String::new();
        for attempt in 0..attempts {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(100 << attempt.min(6))).await;
            }
            match tokio::time::timeout(self.options.timeout, request().into_future()).await {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(RpcError::ErrorResp(payload))) => {
                    return Err(NodeError::Refused {
                        what: what.to_string(),
                        message: payload.to_string(),
                    })
                }
                Ok(Err(e)) => message = e.to_string(),
                Err(_) => message = format!("timed out after {:?}", self.options.timeout),
            }
        }
        Err(NodeError::Unreachable { what: what.to_string(), attempts, message })
    }

    /// The chain id.
    pub async fn chain_id(&self) -> Result<u64, NodeError> {
        self.call("eth_chainId", || self.provider.get_chain_id()).await
    }

    /// The number of the newest block.
    pub async fn head(&self) -> Result<u64, NodeError> {
        self.call("eth_blockNumber", || self.provider.get_block_number()).await
    }

    /// The canonical header at `number`, with its hash as the node reports it.
    pub async fn header_by_number(&self, number: u64) -> Result<Option<(B256, Header)>, NodeError> {
        let what = format!("header {number}");
        let block = self
            .call(&what, || self.provider.get_block_by_number(BlockNumberOrTag::Number(number)))
            .await?;
        Ok(block.map(|b| (b.header.hash, b.header.inner)))
    }

    /// The header with `hash`.
    pub async fn header_by_hash(&self, hash: B256) -> Result<Option<Header>, NodeError> {
        let what = format!("header {hash}");
        let block = self.call(&what, || self.provider.get_block_by_hash(hash)).await?;
        Ok(block.map(|b| b.header.inner))
    }

    /// The block with `hash`, with its full transactions.
    pub async fn block_by_hash(&self, hash: B256) -> Result<Option<Block<TxEnvelope>>, NodeError> {
        let what = format!("block {hash}");
        let block = self.call(&what, || self.provider.get_block_by_hash(hash).full()).await?;
        let Some(block) = block else { return Ok(None) };
        if !block.transactions.is_full() {
            return Err(NodeError::Inconsistent(format!(
                "block {hash} came without its transactions"
            )));
        }
        Ok(Some(block.map_transactions(|tx| tx.into_inner()).into_consensus()))
    }

    /// `eth_getProof` for `address` and `keys` at block `number`.
    pub async fn proof(
        &self,
        address: Address,
        keys: Vec<B256>,
        number: u64,
    ) -> Result<EIP1186AccountProofResponse, NodeError> {
        let what = format!("eth_getProof {address} ({} keys) at {number}", keys.len());
        self.call(&what, || self.provider.get_proof(address, keys.clone()).number(number)).await
    }

    /// The storage slot `key` of `address` at block `number`.
    pub async fn storage_at(
        &self,
        address: Address,
        key: alloy_primitives::U256,
        number: u64,
    ) -> Result<alloy_primitives::U256, NodeError> {
        let what = format!("eth_getStorageAt {address} {key} at {number}");
        self.call(&what, || self.provider.get_storage_at(address, key).number(number)).await
    }

    /// The code of `address` at block `number`.
    pub async fn code_at(
        &self,
        address: Address,
        number: u64,
    ) -> Result<alloy_primitives::Bytes, NodeError> {
        let what = format!("eth_getCode {address} at {number}");
        self.call(&what, || self.provider.get_code_at(address).number(number)).await
    }
}
