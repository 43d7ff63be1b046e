//! A revm database over the node's state at the parent block that records every
//! account, storage slot, code and block hash the block reads: pre-executing the block
//! over it tells which proofs the witness needs.

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_trie::{EMPTY_ROOT_HASH, KECCAK_EMPTY};
use revm::bytecode::Bytecode;
use revm::database_interface::{DBErrorMarker, Database};
use revm::state::AccountInfo;
use tokio::runtime::Handle;

use super::{NodeClient, NodeError};

/// A node failure as revm's database error.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(super) struct NodeDbError(String);

impl DBErrorMarker for NodeDbError {}

/// What pre-execution read.
#[derive(Debug, Default)]
pub(super) struct Touched {
    /// Every account read, with the storage keys read from it.
    pub(super) accounts: BTreeMap<Address, BTreeSet<B256>>,
    /// Every non-empty code, by hash.
    pub(super) codes: BTreeMap<B256, Bytes>,
    /// The lowest block number BLOCKHASH asked about.
    pub(super) oldest_block_hash: Option<u64>,
    /// The account-trie proof nodes `basic` already fetched, by account: the witness
    /// reuses them rather than asking the node again.
    pub(super) account_proofs: BTreeMap<Address, Vec<Bytes>>,
}

/// The node's state at block `number`, read synchronously from a blocking thread.
#[derive(Debug)]
pub(super) struct RecordingDb {
    node: NodeClient,
    runtime: Handle,
    number: u64,
    touched: Touched,
    /// The first node failure, which revm reports only opaquely.
    pub(super) error: Option<NodeError>,
}

impl RecordingDb {
    /// The state at block `number`; `runtime` runs the node requests.
    pub(super) fn new(node: NodeClient, runtime: Handle, number: u64) -> Self {
        Self { node, runtime, number, touched: Touched::default(), error: None }
    }

    /// What was read.
    pub(super) fn into_touched(self) -> Touched {
        self.touched
    }

    fn keep<T>(&mut self, result: Result<T, NodeError>) -> Result<T, NodeDbError> {
        result.map_err(|e| {
            let db_error = NodeDbError(e.to_string());
            self.error.get_or_insert(e);
            db_error
        })
    }
}

impl Database for RecordingDb {
    type Error = NodeDbError;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        self.touched.accounts.entry(address).or_default();
        let proof = self.runtime.block_on(self.node.proof(address, Vec::new(), self.number));
        let proof = self.keep(proof)?;
        self.touched.account_proofs.insert(address, proof.account_proof.clone());
        let code_hash = if proof.code_hash == B256::ZERO { KECCAK_EMPTY } else { proof.code_hash };
        let empty = proof.nonce == 0
            && proof.balance.is_zero()
            && code_hash == KECCAK_EMPTY
            && (proof.storage_hash == B256::ZERO || proof.storage_hash == EMPTY_ROOT_HASH);
        if empty {
            return Ok(None);
        }
        let code = if code_hash == KECCAK_EMPTY {
            None
        } else {
            let code = self.runtime.block_on(self.node.code_at(address, self.number));
            let code = self.keep(code)?;
            if keccak256(&code) != code_hash {
                let e =
                    NodeError::Inconsistent(format!("the code of {address} is not {code_hash}"));
                return self.keep(Err(e));
            }
            self.touched.codes.insert(code_hash, code.clone());
            Some(Bytecode::new_raw(code))
        };
        Ok(Some(AccountInfo {
            balance: proof.balance,
            nonce: proof.nonce,
            code_hash,
            code,
            ..Default::default()
        }))
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        match self.touched.codes.get(&code_hash) {
            Some(code) => Ok(Bytecode::new_raw(code.clone())),
            None => {
                let e = NodeError::Inconsistent(format!("code {code_hash} was never read"));
                self.keep(Err(e))
            }
        }
    }

    fn storage(&mut self, address: Address, index: U256) -> Result<U256, Self::Error> {
        self.touched.accounts.entry(address).or_default().insert(B256::from(index));
        let value = self.runtime.block_on(self.node.storage_at(address, index, self.number));
        self.keep(value)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error> {
        let oldest = self.touched.oldest_block_hash.get_or_insert(number);
        *oldest = (*oldest).min(number);
        let header = self.runtime.block_on(self.node.header_by_number(number));
        match self.keep(header)? {
            Some((hash, _)) => Ok(hash),
            None => self.keep(Err(NodeError::BlockNotFound(number.to_string()))),
        }
    }
}
