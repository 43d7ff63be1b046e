//! Reading execution-spec-tests `blockchain_tests` files: cases, their pre-state and
//! blocks, and the genesis state trie built from `pre`.

use std::collections::BTreeMap;
use std::path::Path;

use alloy_consensus::{Block, Header, TxEnvelope};
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_rlp::Decodable;
use alloy_trie::{TrieAccount, EMPTY_ROOT_HASH};
use anyhow::{anyhow, bail, Context};
use serde::Deserialize;
use stateless::mpt::{NodeStore, SparseTrie};

/// One case of a fixture file.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Case {
    pub(crate) network: String,
    pub(crate) config: Config,
    #[serde(rename = "genesisRLP")]
    pub(crate) genesis_rlp: Bytes,
    pub(crate) pre: BTreeMap<Address, PreAccount>,
    pub(crate) blocks: Vec<FixtureBlock>,
    pub(crate) lastblockhash: B256,
}

/// The case's chain config.
#[derive(Debug, Deserialize)]
pub(crate) struct Config {
    pub(crate) chainid: U256,
}

/// An account of the pre-state.
#[derive(Debug, Deserialize)]
pub(crate) struct PreAccount {
    pub(crate) nonce: U256,
    pub(crate) balance: U256,
    pub(crate) code: Bytes,
    pub(crate) storage: BTreeMap<U256, U256>,
}

/// A block of a case: its RLP and, for an invalid block, the exception expected.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FixtureBlock {
    pub(crate) rlp: Bytes,
    pub(crate) expect_exception: Option<String>,
}

/// Reads every case of every `.json` file under `dir` (or of the file `dir`), sorted by
/// file then case name.
pub(crate) fn read_cases(dir: &Path) -> anyhow::Result<Vec<(String, Case)>> {
    let mut files = Vec::new();
    if dir.is_file() {
        files.push(dir.to_path_buf());
    } else {
        collect_json(dir, &mut files)?;
    }
    files.sort();
    let mut cases = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        let parsed: BTreeMap<String, Case> =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", file.display()))?;
        cases.extend(parsed);
    }
    Ok(cases)
}

fn collect_json(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> anyhow::Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("reading directory {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            collect_json(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// The genesis header, from the case's genesis block RLP.
pub(crate) fn genesis_header(case: &Case) -> anyhow::Result<Header> {
    let block = Block::<TxEnvelope>::decode(&mut case.genesis_rlp.as_ref())
        .map_err(|e| anyhow!("genesis RLP does not decode: {e}"))?;
    Ok(block.header)
}

/// A full state: every trie node (old ones are kept; unreachable ones do no harm) and
/// every code.
#[derive(Debug, Default)]
pub(crate) struct FullState {
    pub(crate) nodes: BTreeMap<B256, Bytes>,
    pub(crate) codes: BTreeMap<B256, Bytes>,
}

impl FullState {
    /// The state `pre` describes, with its root.
    pub(crate) fn from_pre(pre: &BTreeMap<Address, PreAccount>) -> anyhow::Result<(Self, B256)> {
        let empty = NodeStore::default();
        let mut state = Self::default();
        let mut accounts = SparseTrie::new(EMPTY_ROOT_HASH);
        for (address, account) in pre {
            let mut storage = SparseTrie::new(EMPTY_ROOT_HASH);
            for (slot, value) in &account.storage {
                if !value.is_zero() {
                    let key = keccak256(B256::from(*slot));
                    storage.insert(key.as_slice(), alloy_rlp::encode(value), &empty)?;
                }
            }
            state.add_nodes(storage.resolved_nodes());
            let code_hash = keccak256(&account.code);
            if !account.code.is_empty() {
                state.codes.insert(code_hash, account.code.clone());
            }
            let nonce = u64::try_from(account.nonce)
                .map_err(|_| anyhow!("nonce of {address} overflows"))?;
            let leaf = TrieAccount {
                nonce,
                balance: account.balance,
                storage_root: storage.hash(),
                code_hash,
            };
            accounts.insert(keccak256(address).as_slice(), alloy_rlp::encode(leaf), &empty)?;
        }
        state.add_nodes(accounts.resolved_nodes());
        Ok((state, accounts.hash()))
    }

    /// Adds trie nodes.
    pub(crate) fn add_nodes(&mut self, nodes: impl IntoIterator<Item = Bytes>) {
        for node in nodes {
            self.nodes.insert(keccak256(&node), node);
        }
    }

    /// Adds codes.
    pub(crate) fn add_codes(&mut self, codes: impl IntoIterator<Item = Bytes>) {
        for code in codes {
            if !code.is_empty() {
                self.codes.insert(keccak256(&code), code);
            }
        }
    }
}

/// The chain id of a case.
pub(crate) fn chain_id(case: &Case) -> anyhow::Result<u64> {
    u64::try_from(case.config.chainid).map_err(|_| anyhow!("chain id overflows"))
}

/// The fork a case runs at.
pub(crate) fn fork(case: &Case) -> anyhow::Result<stateless::Fork> {
    Ok(match case.network.as_str() {
        "Prague" => stateless::Fork::Prague,
        "Cancun" => stateless::Fork::Cancun,
        "Shanghai" => stateless::Fork::Shanghai,
        other => bail!("unsupported network {other}"),
    })
}
