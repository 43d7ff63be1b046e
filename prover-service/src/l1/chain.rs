//! L1 as the submitter sees it, through alloy's provider: the rollup's accepted head,
//! nonces, fees, gas estimates and dry runs (with `Rollup.sol`'s custom errors decoded),
//! raw transactions and their receipts. Every call has a timeout; failures are typed.

use std::future::IntoFuture;
use std::time::Duration;

use alloy_eips::eip1559::Eip1559Estimation;
use alloy_primitives::{Address, Bytes, B256};
use alloy_provider::{Provider, RootProvider};
use alloy_rpc_types_eth::TransactionRequest;
use alloy_sol_types::{SolCall, SolInterface};
use alloy_transport::{RpcError, TransportError};
use contracts::rollup::Rollup;

use crate::http_client::{http_client, rpc_provider, HttpClientError, TlsOptions};

/// A call that reverted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revert {
    /// The decoded `Rollup` error, or the raw revert data.
    pub reason: String,
    /// Whether the rollup's head moved past this block (`BlockAlreadyProven`,
    /// `BlockGap`): the next look at the head settles it, nothing is wrong with it.
    pub head_moved: bool,
}

impl Revert {
    fn from_data(data: Option<&Bytes>) -> Self {
        let Some(data) = data else {
            return Self { reason: "reverted without data".into(), head_moved: false };
        };
        match Rollup::RollupErrors::abi_decode(data) {
            Ok(error) => Self {
                head_moved: matches!(
                    error,
                    Rollup::RollupErrors::BlockAlreadyProven(_) | Rollup::RollupErrors::BlockGap(_)
                ),
                reason: format!("Rollup reverted: {error:?}"),
            },
            Err(_) => Self { reason: format!("reverted with data {data}"), head_moved: false },
        }
    }
}

/// Why an L1 request failed.
#[derive(Debug, thiserror::Error)]
pub enum L1Error {
    /// No client for the URL.
    #[error("L1 client: {0}")]
    Client(#[from] HttpClientError),
    /// No answer (down, unreachable, timing out).
    #[error("L1 unreachable ({what}): {message}")]
    Unreachable {
        /// What was asked.
        what: String,
        /// The failure.
        message: String,
    },
    /// The node answered with an error that is not a revert.
    #[error("L1 refused {what}: {message}")]
    Refused {
        /// What was asked.
        what: String,
        /// The node's error.
        message: String,
    },
    /// The call reverts.
    #[error("{}", .0.reason)]
    Reverted(Revert),
    /// The transaction could not be signed or decoded.
    #[error("L1 transaction: {0}")]
    Transaction(String),
}

/// What a mined transaction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receipt {
    /// Whether it succeeded.
    pub success: bool,
    /// The L1 block that included it.
    pub block: u64,
    /// Its gas.
    pub gas_used: u64,
}

/// A JSON-RPC client of L1 and one rollup contract.
#[derive(Debug, Clone)]
pub struct L1Client {
    provider: RootProvider,
    rollup: Address,
    timeout: Duration,
}

impl L1Client {
    /// A client of the node at `url` (http or https) for the rollup at `rollup`.
    pub fn new(
        url: &str,
        rollup: Address,
        tls: &TlsOptions,
        timeout: Duration,
    ) -> Result<Self, L1Error> {
        let client = http_client(tls, timeout)?;
        Ok(Self { provider: rpc_provider(url, client)?, rollup, timeout })
    }

    /// The rollup contract.
    pub fn rollup(&self) -> Address {
        self.rollup
    }

    async fn call<T, F>(&self, what: &str, request: F) -> Result<T, L1Error>
    where
        F: IntoFuture<Output = Result<T, TransportError>>,
    {
        match tokio::time::timeout(self.timeout, request.into_future()).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(RpcError::ErrorResp(payload))) => {
                if payload.message.contains("revert") {
                    Err(L1Error::Reverted(Revert::from_data(payload.as_revert_data().as_ref())))
                } else {
                    Err(L1Error::Refused { what: what.into(), message: payload.to_string() })
                }
            }
            Ok(Err(e)) => Err(L1Error::Unreachable { what: what.into(), message: e.to_string() }),
            Err(_) => Err(L1Error::Unreachable {
                what: what.into(),
                message: format!("timed out after {:?}", self.timeout),
            }),
        }
    }

    /// The L1 chain id.
    pub async fn chain_id(&self) -> Result<u64, L1Error> {
        self.call("eth_chainId", self.provider.get_chain_id()).await
    }

    /// The number of the last L2 block the rollup accepted.
    pub async fn rollup_head(&self) -> Result<u64, L1Error> {
        let request = TransactionRequest::default()
            .to(self.rollup)
            .input(Rollup::lastBlockNumberCall {}.abi_encode().into());
        let out = self.call("Rollup.lastBlockNumber", self.provider.call(request).latest()).await?;
        Rollup::lastBlockNumberCall::abi_decode_returns(&out).map_err(|e| L1Error::Refused {
            what: "Rollup.lastBlockNumber".into(),
            message: format!("{} is not the rollup: {e}", self.rollup),
        })
    }

    /// `from`'s next nonce: counting its pending transactions, or only mined ones.
    pub async fn nonce(&self, from: Address, pending: bool) -> Result<u64, L1Error> {
        let request = self.provider.get_transaction_count(from);
        if pending {
            self.call("eth_getTransactionCount", request.pending()).await
        } else {
            self.call("eth_getTransactionCount", request.latest()).await
        }
    }

    /// The node's EIP-1559 fee estimate.
    pub async fn fees(&self) -> Result<Eip1559Estimation, L1Error> {
        self.call("eth_feeHistory", self.provider.estimate_eip1559_fees()).await
    }

    fn submission(&self, from: Address, calldata: &[u8]) -> TransactionRequest {
        TransactionRequest::default().from(from).to(self.rollup).input(calldata.to_vec().into())
    }

    /// The gas of sending `calldata` to the rollup from `from`; a revert is
    /// [`L1Error::Reverted`].
    pub async fn estimate_gas(&self, from: Address, calldata: &[u8]) -> Result<u64, L1Error> {
        let request = self.provider.estimate_gas(self.submission(from, calldata)).latest();
        self.call("eth_estimateGas", request).await
    }

    /// Runs the submission without sending it, at the newest block. (Every read here names
    /// `latest`: a pending block would count our own unmined transaction as accepted.)
    pub async fn simulate(&self, from: Address, calldata: &[u8]) -> Result<(), L1Error> {
        self.call("eth_call", self.provider.call(self.submission(from, calldata)).latest()).await?;
        Ok(())
    }

    /// Broadcasts a signed transaction.
    pub async fn send_raw(&self, raw: &[u8]) -> Result<(), L1Error> {
        // The receipt is looked up by hash later; the pending-transaction watcher is not
        // needed.
        let _pending =
            self.call("eth_sendRawTransaction", self.provider.send_raw_transaction(raw)).await?;
        Ok(())
    }

    /// The receipt of `hash`, once mined.
    pub async fn receipt(&self, hash: B256) -> Result<Option<Receipt>, L1Error> {
        let receipt = self
            .call("eth_getTransactionReceipt", self.provider.get_transaction_receipt(hash))
            .await?;
        Ok(receipt.map(|r| Receipt {
            success: r.status(),
            block: r.block_number.unwrap_or_default(),
            gas_used: r.gas_used,
        }))
    }

    /// Whether the node knows `hash` (in its pool or mined).
    pub async fn knows_transaction(&self, hash: B256) -> Result<bool, L1Error> {
        let tx = self
            .call("eth_getTransactionByHash", self.provider.get_transaction_by_hash(hash))
            .await?;
        Ok(tx.is_some())
    }
}
