//! Witnesses of deletions, from anvil: a block that empties storage slots can collapse
//! a branch into its remaining child, a leaf, an extension or a branch that no proof at
//! the parent carries. Each shape is built on purpose (slots are chosen by the nibbles
//! of their hashes), and its block is witnessed through `eth_getProof`.
//!
//! Anvil (1.7.1) keeps an emptied slot in its storage trie as a zero-valued leaf, so its
//! header's state root is not Ethereum's after a deletion. These tests therefore check
//! the root the witnessed block executes to against the canonical root rebuilt from
//! anvil's post-state, and that anvil's header differs from it only by those leaves.
#![allow(clippy::unwrap_used)]

mod support;

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_trie::{HashBuilder, Nibbles, TrieAccount};
use prover_service::node::{build_guest_input, NodeClient, NodeError, NodeOptions};
use serde_json::{json, Value};
use stateless::mpt::{NodeStore, SparseTrie};
use stateless::{ChainConfig, Fork, HeaderField, ValidationError};
use support::{deploy, parse_u64, Anvil};

/// SSTORE(calldata[0..32], calldata[32..64]); SSTORE(calldata[64..96], calldata[96..128]).
const STORE_TWO_RUNTIME: &str = "602035600035556060356040355500";

/// The first nibbles of a slot's trie key.
fn nibbles(slot: u64) -> [u8; 3] {
    let hash = keccak256(B256::from(U256::from(slot)));
    [hash[0] >> 4, hash[0] & 0xf, hash[1] >> 4]
}

/// Whether a slot's first key nibbles fit, given those of the slots chosen before it.
type Fits = dyn Fn(&[[u8; 3]], [u8; 3]) -> bool;

/// The smallest slots above 0 whose keys fit `shape`, each by its own predicate over
/// the nibbles of all slots chosen before it.
fn choose(shape: &[&Fits]) -> Vec<u64> {
    let mut chosen: Vec<u64> = Vec::new();
    for fits in shape {
        let before: Vec<[u8; 3]> = chosen.iter().map(|s| nibbles(*s)).collect();
        let slot = (1..100_000).find(|s| !chosen.contains(s) && fits(&before, nibbles(*s)));
        chosen.push(slot.unwrap());
    }
    chosen
}

fn word(value: u64) -> String {
    format!("{value:064x}")
}

/// Writes two slots in one call; returns the block it was mined in.
async fn store_two(anvil: &Anvil, contract: &str, writes: [(u64, u64); 2]) -> u64 {
    let data: String = writes.iter().map(|(k, v)| word(*k) + &word(*v)).collect();
    let receipt =
        anvil.send(json!({"to": contract, "data": format!("0x{data}"), "gas": "0x40000"})).await;
    assert_eq!(receipt["status"], "0x1");
    parse_u64(&receipt["blockNumber"])
}

/// `eth_getProof` of `contract` with `slots` at block `number`.
async fn proof(anvil: &Anvil, contract: &str, slots: &[u64], number: u64) -> Value {
    let keys: Vec<String> = slots.iter().map(|s| format!("0x{}", word(*s))).collect();
    anvil.rpc("eth_getProof", json!([contract, keys, format!("{number:#x}")])).await
}

fn hex<T: std::str::FromStr>(value: &Value) -> T
where
    T::Err: std::fmt::Debug,
{
    value.as_str().unwrap().parse().unwrap()
}

/// The storage root of `slots` (alloy's HashBuilder), zero values left out or kept.
fn storage_root(slots: &[(B256, U256)], keep_zeros: bool) -> B256 {
    let mut leaves: Vec<(Nibbles, Vec<u8>)> = slots
        .iter()
        .filter(|(_, value)| keep_zeros || !value.is_zero())
        .map(|(slot, value)| (Nibbles::unpack(keccak256(slot)), alloy_rlp::encode(value)))
        .collect();
    leaves.sort();
    let mut builder = HashBuilder::default();
    for (key, value) in &leaves {
        builder.add_leaf(*key, value);
    }
    builder.root()
}

/// Sets `live` and `deleted` (two per call), then empties `deleted` in one block, and
/// witnesses that block. The witness must be complete, and the state root the block
/// executes to must be the canonical one: anvil's post-state with the emptied slots
/// removed from the storage trie (alloy's HashBuilder). Anvil's own header keeps them
/// as zero-valued leaves, which is checked too, so the block fails validation against
/// that header on its state root and nothing else.
async fn delete_and_witness(anvil: &Anvil, live: &[u64], deleted: &[u64]) {
    let contract = deploy(anvil, STORE_TWO_RUNTIME).await;
    let all: Vec<u64> = live.iter().chain(deleted).copied().collect();
    for pair in all.chunks(2) {
        let second = pair.get(1).copied().unwrap_or(pair[0]);
        store_two(anvil, &contract, [(pair[0], 0x1234_5678 + pair[0]), (second, 0xabcd)]).await;
    }
    let second = deleted.get(1).copied().unwrap_or(deleted[0]);
    let number = store_two(anvil, &contract, [(deleted[0], 0), (second, 0)]).await;
    let header = anvil.block(number).await;

    // The canonical post-state root, from anvil's post-state proofs.
    let post = proof(anvil, &contract, &all, number).await;
    let slots: Vec<(B256, U256)> = post["storageProof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (hex(&s["key"]), hex(&s["value"])))
        .collect();
    assert_eq!(storage_root(&slots, true), hex::<B256>(&post["storageHash"]), "anvil keeps zeros");
    let account = TrieAccount {
        nonce: parse_u64(&post["nonce"]),
        balance: hex(&post["balance"]),
        storage_root: storage_root(&slots, false),
        code_hash: hex(&post["codeHash"]),
    };
    let nodes: Vec<Bytes> = post["accountProof"].as_array().unwrap().iter().map(hex).collect();
    let mut state = SparseTrie::new(hex(&header["stateRoot"]));
    let address: Address = contract.parse().unwrap();
    state
        .insert(keccak256(address).as_slice(), alloy_rlp::encode(account), &NodeStore::new(&nodes))
        .unwrap();
    let canonical = state.hash();

    let node = NodeClient::new(&anvil.url, NodeOptions::default()).unwrap();
    let chain_id = parse_u64(&anvil.rpc("eth_chainId", json!([])).await);
    let chain = ChainConfig::new(chain_id, Fork::Cancun);
    let error = build_guest_input(&node, chain, hex(&header["hash"])).await.unwrap_err();
    let NodeError::Witness(ValidationError::Header {
        field: HeaderField::StateRoot,
        header: theirs,
        expected: ours,
    }) = error
    else {
        panic!("live {live:?}, deleted {deleted:?}: {error}");
    };
    assert_eq!(theirs, header["stateRoot"].as_str().unwrap());
    assert_eq!(ours, canonical.to_string(), "live {live:?}, deleted {deleted:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn deletions_that_collapse_branches_are_witnessed() {
    let anvil = Anvil::start().await;
    // The root branch keeps one leaf: the orphan is that leaf under a shorter key.
    let slots = choose(&[&|_, _| true, &|b, n| n[0] != b[0][0]]);
    delete_and_witness(&anvil, &slots[..1], &slots[1..]).await;

    // The root keeps one child, an extension (two keys sharing two nibbles): the orphan
    // is that extension, one nibble shorter.
    let slots = choose(&[&|_, _| true, &|b, n| n[..2] == b[0][..2] && n[2] != b[0][2], &|b, n| {
        n[0] != b[0][0]
    }]);
    delete_and_witness(&anvil, &slots[..2], &slots[2..]).await;

    // The root keeps one child, a branch (two keys sharing one nibble): no post-state
    // node carries it, so a key under it is searched for and proven at the parent.
    let slots = choose(&[&|_, _| true, &|b, n| n[0] == b[0][0] && n[1] != b[0][1], &|b, n| {
        n[0] != b[0][0]
    }]);
    delete_and_witness(&anvil, &slots[..2], &slots[2..]).await;

    // Two deletions in one block, the second collapsing what the first left.
    let slots = choose(&[&|_, _| true, &|b, n| n[0] != b[0][0], &|b, n| {
        n[0] != b[0][0] && n[0] != b[1][0]
    }]);
    delete_and_witness(&anvil, &slots[..1], &slots[1..]).await;
}
