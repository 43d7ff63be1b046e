//! Completes an `eth_getProof` witness for deletions. Removing a key can leave a branch
//! with one child, which then merges into that child; the guest must read the child to
//! know whether it is a leaf, an extension or a branch. That child lies beside every
//! touched path, so no proof at the parent contains it: the witness names it by hash
//! only, and validation stops with a missing node.
//!
//! Each missing node is found in one of two ways, and taken only when its keccak is the
//! hash the trie asked for (so nothing here is trusted by the guest):
//! 1. From proofs of the same keys at the block itself (the post-state). There the
//!    orphan has merged into its old parent: a leaf or extension whose key is the
//!    orphan's key under a longer prefix. Every suffix of such a key is a candidate.
//! 2. When the orphan was a branch, no post-state node carries it. The witness tells
//!    where the orphan hangs (trie and nibble path); a key whose hash starts with that
//!    path is searched for, and its proof at the parent passes through the orphan.

use alloy_primitives::{keccak256, map::B256Map, Address, Bytes, B256, U256};
use alloy_rlp::Decodable as _;
use alloy_trie::nodes::{ExtensionNode, LeafNode, RlpNode, TrieNode};
use alloy_trie::{Nibbles, TrieAccount};
use stateless::mpt::{NodeStore, SparseTrie, TrieError};
use stateless::{GuestInput, ValidationError};

use super::proofs::{fetch_proofs, proof_nodes, ProofRequest};
use super::{NodeClient, NodeError};

/// How many missing nodes one block may need before the witness is declared broken.
const MAX_ROUNDS: usize = 256;

/// The longest nibble path a key is searched for (16^7 hashes on average at most).
pub(super) const MAX_SEARCH_NIBBLES: usize = 7;

/// Validates `input`, adding nodes that deletions need until it validates.
pub(super) async fn complete(
    node: &NodeClient,
    mut input: GuestInput,
    requests: &[ProofRequest],
) -> Result<GuestInput, NodeError> {
    let mut post_state: Option<B256Map<Bytes>> = None;
    for _ in 0..MAX_ROUNDS {
        let (checked, result) = validate(input).await?;
        input = checked;
        let missing = match result {
            Ok(()) => return Ok(input),
            Err(ValidationError::Witness(TrieError::MissingNode(hash))) => hash,
            Err(e) => return Err(NodeError::Witness(e)),
        };
        if post_state.is_none() {
            let proofs = fetch_proofs(node, requests, input.parent.number + 1).await?;
            post_state = Some(candidates(proof_nodes(&proofs)));
        }
        if let Some(found) = post_state.as_ref().and_then(|c| c.get(&missing)) {
            tracing::debug!(%missing, "orphan resolved from the post-state proofs");
            input.state.push(found.clone());
            continue;
        }
        let nodes = proof_through(node, &input, requests, missing).await?;
        tracing::debug!(%missing, "orphan resolved through a key under its path");
        input.state.extend(nodes);
    }
    Err(NodeError::Inconsistent(format!(
        "the witness still misses nodes after {MAX_ROUNDS} rounds of orphan resolution"
    )))
}

/// Validates natively on a blocking thread; hands the input back with the outcome.
pub(super) async fn validate(
    input: GuestInput,
) -> Result<(GuestInput, Result<(), ValidationError>), NodeError> {
    tokio::task::spawn_blocking(move || {
        let result = stateless::validate_block(&input).map(|_| ());
        (input, result)
    })
    .await
    .map_err(|e| NodeError::Inconsistent(format!("native validation panicked: {e}")))
}

/// Every node in `nodes`, and every leaf or extension that one of them could have
/// absorbed when a branch above it collapsed (the same node under a shorter key), by hash.
pub(super) fn candidates<'a>(nodes: impl IntoIterator<Item = &'a Bytes>) -> B256Map<Bytes> {
    let mut out = B256Map::default();
    let mut add = |encoded: Vec<u8>| {
        out.insert(keccak256(&encoded), Bytes::from(encoded));
    };
    for encoded in nodes {
        add(encoded.to_vec());
        match TrieNode::decode(&mut encoded.as_ref()) {
            Ok(TrieNode::Leaf(leaf)) => {
                let key = leaf.key.to_vec();
                for start in 1..=key.len() {
                    let suffix = Nibbles::from_nibbles_unchecked(&key[start..]);
                    add(alloy_rlp::encode(LeafNode::new(suffix, leaf.value.clone())));
                }
            }
            Ok(TrieNode::Extension(extension)) => {
                let key = extension.key.to_vec();
                for start in 1..key.len() {
                    let suffix = Nibbles::from_nibbles_unchecked(&key[start..]);
                    add(alloy_rlp::encode(ExtensionNode::new(suffix, extension.child.clone())));
                }
            }
            _ => {}
        }
    }
    out
}

/// Which trie a node hangs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TrieOwner {
    /// The account trie.
    Accounts,
    /// The storage trie of this account.
    Storage(Address),
}

/// The nodes of a proof at the parent whose path passes through `missing`.
async fn proof_through(
    node: &NodeClient,
    input: &GuestInput,
    requests: &[ProofRequest],
    missing: B256,
) -> Result<Vec<Bytes>, NodeError> {
    let parent = &input.parent;
    let (owner, path) =
        locate_in_witness(input, requests, parent.state_root, missing).ok_or_else(|| {
            NodeError::Inconsistent(format!("node {missing} is not referenced by the witness"))
        })?;
    if path.len() > MAX_SEARCH_NIBBLES {
        return Err(NodeError::Inconsistent(format!(
            "node {missing} needed by a deletion sits {} nibbles deep, too deep to search a \
             key for (at most {MAX_SEARCH_NIBBLES}); a node serving debug_executionWitness \
             can witness this block",
            path.len()
        )));
    }
    let search_path = path.clone();
    let key = tokio::task::spawn_blocking(move || key_under(owner, &search_path))
        .await
        .map_err(|e| NodeError::Inconsistent(format!("key search panicked: {e}")))?;
    let proof = match (owner, key) {
        (TrieOwner::Accounts, SearchedKey::Address(address)) => {
            node.proof(address, Vec::new(), parent.number).await?
        }
        (TrieOwner::Storage(address), SearchedKey::Slot(slot)) => {
            node.proof(address, vec![slot], parent.number).await?
        }
        _ => return Err(NodeError::Inconsistent("key search answered the wrong kind".into())),
    };
    let nodes: Vec<Bytes> = proof_nodes(std::slice::from_ref(&proof)).cloned().collect();
    if !nodes.iter().any(|n| keccak256(n) == missing) {
        return Err(NodeError::Inconsistent(format!(
            "the proof of a key under {path:x?} does not pass through node {missing}"
        )));
    }
    Ok(nodes)
}

/// The trie and nibble path at which the witness refers to `target` by hash.
fn locate_in_witness(
    input: &GuestInput,
    requests: &[ProofRequest],
    state_root: B256,
    target: B256,
) -> Option<(TrieOwner, Vec<u8>)> {
    let store = NodeStore::new(&input.state);
    if let Some(path) = locate(&store, state_root, target) {
        return Some((TrieOwner::Accounts, path));
    }
    let mut accounts = SparseTrie::new(state_root);
    for request in requests {
        let Ok(Some(encoded)) = accounts.get(keccak256(request.address).as_slice(), &store) else {
            continue;
        };
        let Ok(account) = TrieAccount::decode(&mut encoded.as_slice()) else { continue };
        if let Some(path) = locate(&store, account.storage_root, target) {
            return Some((TrieOwner::Storage(request.address), path));
        }
    }
    None
}

/// The nibble path under `root` at which a resolved node refers to `target` by hash.
pub(super) fn locate(store: &NodeStore, root: B256, target: B256) -> Option<Vec<u8>> {
    fn walk(store: &NodeStore, node: TrieNode, target: B256, path: &mut Vec<u8>) -> bool {
        let child = |reference: &RlpNode, path: &mut Vec<u8>| match reference.as_hash() {
            Some(hash) if hash == target => true,
            Some(hash) => store
                .get(&hash)
                .and_then(|bytes| TrieNode::decode(&mut bytes.as_ref()).ok())
                .is_some_and(|node| walk(store, node, target, path)),
            None => TrieNode::decode(&mut reference.as_slice())
                .is_ok_and(|node| walk(store, node, target, path)),
        };
        match node {
            TrieNode::Branch(branch) => {
                for (index, reference) in branch.as_ref().children() {
                    let Some(reference) = reference else { continue };
                    path.push(index);
                    if child(reference, path) {
                        return true;
                    }
                    path.pop();
                }
                false
            }
            TrieNode::Extension(extension) => {
                let depth = path.len();
                path.extend_from_slice(&extension.key.to_vec());
                if child(&extension.child, path) {
                    return true;
                }
                path.truncate(depth);
                false
            }
            TrieNode::Leaf(_) | TrieNode::EmptyRoot => false,
        }
    }
    let root_node = TrieNode::decode(&mut store.get(&root)?.as_ref()).ok()?;
    let mut path = Vec::new();
    walk(store, root_node, target, &mut path).then_some(path)
}

/// A key whose trie path was searched for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SearchedKey {
    /// An account (its trie key is keccak(address)).
    Address(Address),
    /// A storage slot (its trie key is keccak(slot)).
    Slot(B256),
}

/// A key of `owner`'s trie whose hashed path starts with `path` (at most
/// [`MAX_SEARCH_NIBBLES`] nibbles, so about 16^len hashes).
pub(super) fn key_under(owner: TrieOwner, path: &[u8]) -> SearchedKey {
    let starts_with = |hash: B256| {
        path.iter().enumerate().all(|(i, nibble)| {
            let byte = hash[i / 2];
            let got = if i % 2 == 0 { byte >> 4 } else { byte & 0x0f };
            got == *nibble
        })
    };
    let mut counter: u64 = 0;
    loop {
        let key = match owner {
            TrieOwner::Accounts => {
                let mut address = [0u8; 20];
                address[12..].copy_from_slice(&counter.to_be_bytes());
                address[0] = 0xff;
                SearchedKey::Address(Address::from(address))
            }
            TrieOwner::Storage(_) => SearchedKey::Slot(B256::from(U256::from(counter))),
        };
        let hash = match key {
            SearchedKey::Address(address) => keccak256(address),
            SearchedKey::Slot(slot) => keccak256(slot),
        };
        if starts_with(hash) {
            return key;
        }
        counter += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot_path(slot: u64) -> Vec<u8> {
        Nibbles::unpack(keccak256(B256::from(U256::from(slot)))).to_vec()
    }

    #[test]
    fn a_searched_key_lies_under_its_path() {
        for path in [vec![], vec![0x3], vec![0xa, 0x0, 0xf]] {
            let SearchedKey::Slot(slot) = key_under(TrieOwner::Storage(Address::ZERO), &path)
            else {
                panic!("a storage search gives a slot")
            };
            assert!(Nibbles::unpack(keccak256(slot)).to_vec().starts_with(&path));
            let SearchedKey::Address(address) = key_under(TrieOwner::Accounts, &path) else {
                panic!("an account search gives an address")
            };
            assert!(Nibbles::unpack(keccak256(address)).to_vec().starts_with(&path));
        }
    }

    #[test]
    fn a_leaf_absorbed_by_a_collapse_is_among_the_candidates() {
        let leaf = |key: &[u8], value: &[u8]| {
            alloy_rlp::encode(LeafNode::new(Nibbles::from_nibbles_unchecked(key), value.to_vec()))
        };
        let path = slot_path(1);
        let merged = Bytes::from(leaf(&path, &[0x82, 0xca, 0xfe]));
        let orphan = leaf(&path[1..], &[0x82, 0xca, 0xfe]);
        let found = candidates([&merged]);
        assert_eq!(found.get(&keccak256(&orphan)).map(|b| b.to_vec()), Some(orphan));
    }

    #[test]
    fn locate_finds_the_path_of_a_hashed_child() -> Result<(), TrieError> {
        let empty = NodeStore::default();
        let mut trie = SparseTrie::new(alloy_trie::EMPTY_ROOT_HASH);
        for slot in 0..300u64 {
            let key = keccak256(B256::from(U256::from(slot)));
            trie.insert(key.as_slice(), vec![0xa0; 33], &empty)?;
        }
        let nodes = trie.resolved_nodes();
        let store = NodeStore::new(&nodes);
        let root = trie.hash();
        // Follow the first hashed child twice: the path is its two branch indices.
        let mut path = Vec::new();
        let mut hash = root;
        for _ in 0..2 {
            let Some(TrieNode::Branch(branch)) =
                store.get(&hash).and_then(|b| TrieNode::decode(&mut b.as_ref()).ok())
            else {
                panic!("300 keys make two levels of branches")
            };
            let (index, child) = branch
                .as_ref()
                .children()
                .find_map(|(i, c)| c.and_then(RlpNode::as_hash).map(|h| (i, h)))
                .unwrap_or_default();
            path.push(index);
            hash = child;
        }
        assert_eq!(locate(&store, root, hash), Some(path));
        assert_eq!(locate(&store, root, B256::repeat_byte(7)), None);
        Ok(())
    }

    /// The root of the storage trie holding `slots` (alloy's HashBuilder) and the
    /// proof nodes of `targets` in it.
    fn alloy_trie(slots: &[u64], targets: Vec<Nibbles>) -> (B256, Vec<Bytes>) {
        let key = |slot: &u64| Nibbles::unpack(keccak256(B256::from(U256::from(*slot))));
        let retainer = alloy_trie::proof::ProofRetainer::new(targets);
        let mut builder = alloy_trie::HashBuilder::default().with_proof_retainer(retainer);
        let mut leaves: Vec<(Nibbles, Vec<u8>)> = slots
            .iter()
            .map(|slot| (key(slot), alloy_rlp::encode(U256::from(0x1234_5678 + slot))))
            .collect();
        leaves.sort();
        for (path, value) in &leaves {
            builder.add_leaf(*path, value);
        }
        let root = builder.root();
        (root, builder.take_proof_nodes().into_nodes_sorted().into_iter().map(|(_, n)| n).collect())
    }

    /// How an orphan was found.
    #[derive(Debug, PartialEq, Eq)]
    enum Route {
        PostState,
        Search,
    }

    /// Removes `deleted` from a trie of `live` and `deleted` over a witness of only the
    /// deleted keys' proofs, resolving orphans as the witness builder does; the root
    /// must be alloy's root of `live`. Returns how each orphan was found.
    fn remove_resolving(live: &[u64], deleted: &[u64]) -> Result<Vec<Route>, TrieError> {
        let all: Vec<u64> = live.iter().chain(deleted).copied().collect();
        let keys = |slots: &[u64]| -> Vec<Nibbles> {
            slots.iter().map(|s| Nibbles::from_nibbles_unchecked(slot_path(*s))).collect()
        };
        let (pre_root, mut witness) = alloy_trie(&all, keys(deleted));
        let (post_root, post_proofs) = alloy_trie(live, keys(deleted));
        let post_state = candidates(&post_proofs);
        let mut routes = Vec::new();
        loop {
            let store = NodeStore::new(&witness);
            let mut trie = SparseTrie::new(pre_root);
            let missing = match deleted.iter().try_for_each(|slot| {
                trie.remove(keccak256(B256::from(U256::from(*slot))).as_slice(), &store)
            }) {
                Ok(()) => {
                    assert_eq!(trie.hash(), post_root);
                    return Ok(routes);
                }
                Err(TrieError::MissingNode(hash)) => hash,
                Err(e) => return Err(e),
            };
            assert!(routes.len() < 4, "no progress on {missing}");
            if let Some(node) = post_state.get(&missing) {
                witness.push(node.clone());
                routes.push(Route::PostState);
                continue;
            }
            let path = locate(&store, pre_root, missing).ok_or(TrieError::MissingNode(missing))?;
            let SearchedKey::Slot(slot) = key_under(TrieOwner::Storage(Address::ZERO), &path)
            else {
                panic!("a storage search gives a slot")
            };
            let (_, proof) = alloy_trie(&all, vec![Nibbles::unpack(keccak256(slot))]);
            assert!(proof.iter().any(|n| keccak256(n) == missing), "the searched key's proof");
            witness.extend(proof);
            routes.push(Route::Search);
        }
    }

    /// Whether a slot's key nibbles fit, given those of the slots chosen before it.
    type Fits = dyn Fn(&[Vec<u8>], &[u8]) -> bool;

    /// The smallest slots whose key nibbles fit each predicate in turn (each sees the
    /// nibbles of the slots chosen before it).
    fn choose(shape: &[&Fits]) -> Vec<u64> {
        let mut chosen: Vec<u64> = Vec::new();
        for fits in shape {
            let before: Vec<Vec<u8>> = chosen.iter().map(|s| slot_path(*s)).collect();
            let slot = (1..100_000).find(|s| !chosen.contains(s) && fits(&before, &slot_path(*s)));
            chosen.push(slot.unwrap_or_default());
        }
        chosen
    }

    #[test]
    fn orphans_of_every_shape_resolve_against_alloy_tries() -> Result<(), TrieError> {
        // A leaf left alone under the root: rebuilt from the post-state's merged leaf.
        let slots = choose(&[&|_, _| true, &|b, n| n[0] != b[0][0]]);
        assert_eq!(remove_resolving(&slots[..1], &slots[1..])?, [Route::PostState]);
        // An extension left alone: rebuilt from the post-state's longer extension.
        let slots =
            choose(&[&|_, _| true, &|b, n| n[..2] == b[0][..2] && n[2] != b[0][2], &|b, n| {
                n[0] != b[0][0]
            }]);
        assert_eq!(remove_resolving(&slots[..2], &slots[2..])?, [Route::PostState]);
        // A branch left alone: only a key searched under it reaches it.
        let slots = choose(&[&|_, _| true, &|b, n| n[0] == b[0][0] && n[1] != b[0][1], &|b, n| {
            n[0] != b[0][0]
        }]);
        assert_eq!(remove_resolving(&slots[..2], &slots[2..])?, [Route::Search]);
        // Deep in a larger trie, two deletions under one branch.
        let mut slots: Vec<u64> = (100..400).collect();
        let deleted = choose(&[&|_, _| true, &|b, n| n[..2] == b[0][..2]]);
        slots.retain(|s| !deleted.contains(s));
        let routes = remove_resolving(&slots, &deleted)?;
        assert!(routes.len() <= 1, "{routes:?}");
        Ok(())
    }
}
