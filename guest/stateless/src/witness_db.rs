//! The pre-state as revm sees it: accounts, storage, code and block hashes, each read
//! through the witness and bound to the parent's state root, code hashes and the
//! ancestor chain. Writes go to revm's `State`; [`WitnessState::apply`] folds them back
//! into the tries afterwards.

use alloc::vec::Vec;
use core::fmt;

use alloy_consensus::Header;
use alloy_primitives::{
    keccak256,
    map::{AddressMap, B256Map},
    Address, Bytes, B256, U256,
};
use alloy_rlp::Decodable;
use alloy_trie::{TrieAccount, EMPTY_ROOT_HASH, KECCAK_EMPTY};
use revm::bytecode::Bytecode;
use revm::database::BundleState;
use revm::database_interface::{DBErrorMarker, Database};
use revm::state::AccountInfo;

use crate::error::ValidationError;
use crate::mpt::{NodeStore, SparseTrie};

/// Accounts, storage tries, codes and block hashes, backed by a witness.
#[derive(Debug)]
pub struct WitnessState {
    store: NodeStore,
    accounts: SparseTrie,
    storage: AddressMap<SparseTrie>,
    codes: B256Map<Bytecode>,
    block_hashes: Vec<(u64, B256)>,
    /// The first error a read hit: revm reports it as an opaque database error, so
    /// validation returns this typed one instead.
    first_error: Option<ValidationError>,
}

/// A [`ValidationError`] as revm's database error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessError(pub ValidationError);

impl fmt::Display for WitnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl core::error::Error for WitnessError {}
impl DBErrorMarker for WitnessError {}

impl From<ValidationError> for WitnessError {
    fn from(e: ValidationError) -> Self {
        Self(e)
    }
}

impl WitnessState {
    /// The state at `parent`'s state root, with `nodes` and `codes` as the witness and
    /// `ancestors` (newest first, starting at the parent's parent) for BLOCKHASH.
    pub fn new(
        parent: &Header,
        nodes: &[Bytes],
        codes: &[Bytes],
        ancestors: &[Header],
    ) -> Result<Self, ValidationError> {
        let mut block_hashes = Vec::with_capacity(ancestors.len() + 1);
        block_hashes.push((parent.number, parent.hash_slow()));
        let mut child = parent;
        for ancestor in ancestors {
            let hash = ancestor.hash_slow();
            if hash != child.parent_hash || ancestor.number.checked_add(1) != Some(child.number) {
                return Err(ValidationError::BrokenAncestry(ancestor.number));
            }
            block_hashes.push((ancestor.number, hash));
            child = ancestor;
        }
        Ok(Self {
            store: NodeStore::new(nodes),
            accounts: SparseTrie::new(parent.state_root),
            storage: AddressMap::default(),
            codes: codes.iter().map(|c| (keccak256(c), Bytecode::new_raw(c.clone()))).collect(),
            block_hashes,
            first_error: None,
        })
    }

    fn account(&mut self, address: Address) -> Result<Option<TrieAccount>, ValidationError> {
        read_account(&mut self.accounts, &self.store, address)
    }

    /// The first error a read hit, if any.
    pub fn take_error(&mut self) -> Option<ValidationError> {
        self.first_error.take()
    }

    fn record<T>(&mut self, result: Result<T, ValidationError>) -> Result<T, WitnessError> {
        result.map_err(|e| {
            self.first_error.get_or_insert_with(|| e.clone());
            WitnessError(e)
        })
    }

    /// The account trie's root.
    pub fn state_root(&self) -> B256 {
        self.accounts.hash()
    }

    /// Writes `bundle` (the block's net changes) into the tries.
    pub fn apply(&mut self, bundle: &BundleState) -> Result<(), ValidationError> {
        let mut changed: Vec<_> = bundle.state.iter().collect();
        changed.sort_by_key(|(address, _)| **address);
        for (address, account) in changed {
            let address = *address;
            if account.was_destroyed() {
                self.storage.insert(address, SparseTrie::new(EMPTY_ROOT_HASH));
            }
            let key = keccak256(address);
            let Some(info) = &account.info else {
                self.accounts.remove(key.as_slice(), &self.store)?;
                continue;
            };
            let mut slots: Vec<_> = account.storage.iter().collect();
            slots.sort_by_key(|(slot, _)| **slot);
            let store = &self.store;
            let trie = storage_trie(&mut self.accounts, &mut self.storage, store, address)?;
            for (slot, value) in slots {
                let slot_key = keccak256(B256::from(*slot));
                if value.present_value.is_zero() {
                    trie.remove(slot_key.as_slice(), store)?;
                } else {
                    trie.insert(
                        slot_key.as_slice(),
                        alloy_rlp::encode(value.present_value),
                        store,
                    )?;
                }
            }
            let storage_root = trie.hash();
            let leaf = TrieAccount {
                nonce: info.nonce,
                balance: info.balance,
                storage_root,
                code_hash: info.code_hash,
            };
            self.accounts.insert(key.as_slice(), alloy_rlp::encode(leaf), &self.store)?;
        }
        Ok(())
    }

    /// Every resolved trie node, and the codes (for carrying the state to the next
    /// block on the host).
    pub fn resolved_nodes(&self) -> Vec<Bytes> {
        let mut nodes = self.accounts.resolved_nodes();
        for trie in self.storage.values() {
            nodes.extend(trie.resolved_nodes());
        }
        nodes
    }
}

impl Database for WitnessState {
    type Error = WitnessError;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        let result = self.read_basic(address);
        self.record(result)
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        let result = self.read_code(code_hash);
        self.record(result)
    }

    fn storage(&mut self, address: Address, index: U256) -> Result<U256, Self::Error> {
        let result = self.read_storage(address, index);
        self.record(result)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error> {
        let result = self
            .block_hashes
            .iter()
            .find(|(n, _)| *n == number)
            .map(|(_, hash)| *hash)
            .ok_or(ValidationError::MissingAncestor(number));
        self.record(result)
    }
}

impl WitnessState {
    fn read_basic(&mut self, address: Address) -> Result<Option<AccountInfo>, ValidationError> {
        let Some(account) = self.account(address)? else { return Ok(None) };
        let code = if account.code_hash == KECCAK_EMPTY {
            None
        } else {
            Some(self.read_code(account.code_hash)?)
        };
        Ok(Some(AccountInfo {
            balance: account.balance,
            nonce: account.nonce,
            code_hash: account.code_hash,
            code,
            ..Default::default()
        }))
    }

    fn read_code(&self, code_hash: B256) -> Result<Bytecode, ValidationError> {
        if code_hash == KECCAK_EMPTY {
            return Ok(Bytecode::default());
        }
        self.codes.get(&code_hash).cloned().ok_or(ValidationError::MissingCode(code_hash))
    }

    fn read_storage(&mut self, address: Address, index: U256) -> Result<U256, ValidationError> {
        let trie = storage_trie(&mut self.accounts, &mut self.storage, &self.store, address)?;
        let key = keccak256(B256::from(index));
        let Some(encoded) = trie.get(key.as_slice(), &self.store)? else { return Ok(U256::ZERO) };
        U256::decode(&mut encoded.as_slice()).map_err(|_| ValidationError::InvalidStorage(key))
    }
}

fn read_account(
    accounts: &mut SparseTrie,
    store: &NodeStore,
    address: Address,
) -> Result<Option<TrieAccount>, ValidationError> {
    let key = keccak256(address);
    let Some(encoded) = accounts.get(key.as_slice(), store)? else { return Ok(None) };
    TrieAccount::decode(&mut encoded.as_slice())
        .map(Some)
        .map_err(|_| ValidationError::InvalidAccount(key))
}

/// The storage trie of `address`, opened at its account's storage root on first use.
fn storage_trie<'a>(
    accounts: &mut SparseTrie,
    storage: &'a mut AddressMap<SparseTrie>,
    store: &NodeStore,
    address: Address,
) -> Result<&'a mut SparseTrie, ValidationError> {
    if !storage.contains_key(&address) {
        let root =
            read_account(accounts, store, address)?.map_or(EMPTY_ROOT_HASH, |a| a.storage_root);
        storage.insert(address, SparseTrie::new(root));
    }
    storage.get_mut(&address).ok_or(ValidationError::InvalidAccount(keccak256(address)))
}
