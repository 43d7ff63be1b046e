//! A sparse Merkle-Patricia trie over a witness: nodes the witness does not reach stay
//! as their hash, every node reached is resolved by hash from the [`NodeStore`], and a
//! node that is needed but missing is an error, never an empty default.
//!
//! Node encoding and hashing are alloy-trie's; this module only keeps the tree shape and
//! does lookups, inserts and deletions (with the branch collapse that deletion needs).

use alloc::{boxed::Box, vec::Vec};

use alloy_primitives::{keccak256, map::B256Map, Bytes, B256};
use alloy_rlp::Decodable;
use alloy_trie::nodes::{BranchNodeRef, ExtensionNodeRef, LeafNodeRef, RlpNode, TrieNode};
use alloy_trie::{Nibbles, TrieMask, EMPTY_ROOT_HASH};

/// Why a trie operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrieError {
    /// A node on the path is not in the witness.
    #[error("trie node {0} is missing from the witness")]
    MissingNode(B256),
    /// A witness node does not decode as a trie node.
    #[error("trie node {0} does not decode: {1}")]
    InvalidNode(B256, alloy_rlp::Error),
    /// Keys of one trie must all have the same length.
    #[error("trie key is a prefix of another key")]
    KeyPrefix,
}

/// Witness nodes by their keccak hash.
#[derive(Debug, Default, Clone)]
pub struct NodeStore {
    nodes: B256Map<Bytes>,
}

impl NodeStore {
    /// Indexes `nodes` by hash (each node is hashed once here, which is what binds the
    /// witness to the roots it is reached from).
    pub fn new<'a>(nodes: impl IntoIterator<Item = &'a Bytes>) -> Self {
        Self { nodes: nodes.into_iter().map(|n| (keccak256(n), n.clone())).collect() }
    }

    /// The encoded node with this hash.
    pub fn get(&self, hash: &B256) -> Option<&Bytes> {
        self.nodes.get(hash)
    }

    /// Number of distinct nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the store holds no node.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

/// One node of the sparse trie. Keys are nibble vectors.
#[derive(Debug, Clone)]
enum Node {
    Empty,
    Leaf {
        key: Vec<u8>,
        value: Vec<u8>,
    },
    Extension {
        key: Vec<u8>,
        child: Box<Node>,
    },
    Branch {
        children: Box<[Option<Node>; 16]>,
    },
    /// A subtree known only by hash, resolved from the store when a path enters it.
    Hash(B256),
}

/// A sparse trie rooted at a hash.
#[derive(Debug, Clone)]
pub struct SparseTrie {
    root: Node,
}

impl SparseTrie {
    /// The trie with this root, all of it still unresolved.
    pub fn new(root: B256) -> Self {
        Self { root: if root == EMPTY_ROOT_HASH { Node::Empty } else { Node::Hash(root) } }
    }

    /// The value at `key`, or `None` when the trie proves it absent.
    pub fn get(&mut self, key: &[u8], store: &NodeStore) -> Result<Option<Vec<u8>>, TrieError> {
        let path = Nibbles::unpack(key).to_vec();
        get(&mut self.root, &path, store)
    }

    /// Sets the value at `key` (a non-empty value; use [`Self::remove`] for deletion).
    pub fn insert(
        &mut self,
        key: &[u8],
        value: Vec<u8>,
        store: &NodeStore,
    ) -> Result<(), TrieError> {
        let path = Nibbles::unpack(key).to_vec();
        insert(&mut self.root, &path, value, store)
    }

    /// Removes `key` if present.
    pub fn remove(&mut self, key: &[u8], store: &NodeStore) -> Result<(), TrieError> {
        let path = Nibbles::unpack(key).to_vec();
        remove(&mut self.root, &path, store).map(|_| ())
    }

    /// The root hash.
    pub fn hash(&self) -> B256 {
        match &self.root {
            Node::Empty => EMPTY_ROOT_HASH,
            Node::Hash(hash) => *hash,
            node => keccak256(encode(node)),
        }
    }

    /// The encodings of every resolved node (for carrying a state forward on the host).
    pub fn resolved_nodes(&self) -> Vec<Bytes> {
        let mut out = Vec::new();
        if !matches!(self.root, Node::Empty | Node::Hash(_)) {
            let root = encode_collecting(&self.root, &mut Some(&mut out));
            out.push(root.into());
        }
        out
    }
}

/// Replaces a [`Node::Hash`] by the node it names.
fn resolve(node: &mut Node, store: &NodeStore) -> Result<(), TrieError> {
    if let Node::Hash(hash) = node {
        let hash = *hash;
        let bytes = store.get(&hash).ok_or(TrieError::MissingNode(hash))?;
        let decoded =
            TrieNode::decode(&mut bytes.as_ref()).map_err(|e| TrieError::InvalidNode(hash, e))?;
        *node = from_trie_node(decoded, hash)?;
    }
    Ok(())
}

fn from_reference(reference: &RlpNode, parent: B256) -> Result<Node, TrieError> {
    if let Some(hash) = reference.as_hash() {
        return Ok(Node::Hash(hash));
    }
    let inline = TrieNode::decode(&mut reference.as_slice())
        .map_err(|e| TrieError::InvalidNode(parent, e))?;
    from_trie_node(inline, parent)
}

fn from_trie_node(node: TrieNode, hash: B256) -> Result<Node, TrieError> {
    Ok(match node {
        TrieNode::EmptyRoot => Node::Empty,
        TrieNode::Leaf(leaf) => Node::Leaf { key: leaf.key.to_vec(), value: leaf.value },
        TrieNode::Extension(ext) => Node::Extension {
            key: ext.key.to_vec(),
            child: Box::new(from_reference(&ext.child, hash)?),
        },
        TrieNode::Branch(branch) => {
            let mut children: Box<[Option<Node>; 16]> = Box::default();
            for (index, child) in branch.as_ref().children() {
                if let Some(child) = child {
                    children[usize::from(index)] = Some(from_reference(child, hash)?);
                }
            }
            Node::Branch { children }
        }
    })
}

fn get(node: &mut Node, path: &[u8], store: &NodeStore) -> Result<Option<Vec<u8>>, TrieError> {
    resolve(node, store)?;
    match node {
        Node::Empty => Ok(None),
        Node::Leaf { key, value } => Ok((key.as_slice() == path).then(|| value.clone())),
        Node::Extension { key, child } => match path.strip_prefix(key.as_slice()) {
            Some(rest) => get(child, rest, store),
            None => Ok(None),
        },
        Node::Branch { children } => match path.split_first() {
            Some((first, rest)) => match &mut children[usize::from(*first)] {
                Some(child) => get(child, rest, store),
                None => Ok(None),
            },
            None => Err(TrieError::KeyPrefix),
        },
        Node::Hash(_) => unreachable_resolved(),
    }
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// A branch holding two subtrees whose paths (`a.0`, `b.0`) start with different nibbles,
/// under an extension by `prefix` when that is not empty.
fn split(prefix: &[u8], a: (&[u8], Node), b: (&[u8], Node)) -> Result<Node, TrieError> {
    let mut children: Box<[Option<Node>; 16]> = Box::default();
    let (Some(&ia), Some(&ib)) = (a.0.first(), b.0.first()) else {
        return Err(TrieError::KeyPrefix);
    };
    children[usize::from(ia)] = Some(a.1);
    children[usize::from(ib)] = Some(b.1);
    let branch = Node::Branch { children };
    Ok(if prefix.is_empty() {
        branch
    } else {
        Node::Extension { key: prefix.to_vec(), child: Box::new(branch) }
    })
}

/// `child` reached through `key` (an extension, or the child itself when `key` is empty).
fn under(key: &[u8], child: Node) -> Node {
    if key.is_empty() {
        child
    } else {
        Node::Extension { key: key.to_vec(), child: Box::new(child) }
    }
}

fn insert(
    node: &mut Node,
    path: &[u8],
    value: Vec<u8>,
    store: &NodeStore,
) -> Result<(), TrieError> {
    resolve(node, store)?;
    match node {
        Node::Empty => *node = Node::Leaf { key: path.to_vec(), value },
        Node::Leaf { key, value: old } => {
            if key.as_slice() == path {
                *old = value;
                return Ok(());
            }
            let at = common_prefix(key, path);
            if at == key.len() || at == path.len() {
                return Err(TrieError::KeyPrefix);
            }
            let existing = Node::Leaf { key: key[at + 1..].to_vec(), value: core::mem::take(old) };
            let new = Node::Leaf { key: path[at + 1..].to_vec(), value };
            *node = split(&path[..at], (&key[at..], existing), (&path[at..], new))?;
        }
        Node::Extension { key, child } => {
            let at = common_prefix(key, path);
            if at == key.len() {
                return insert(child, &path[at..], value, store);
            }
            if at == path.len() {
                return Err(TrieError::KeyPrefix);
            }
            let old_child = core::mem::replace(child.as_mut(), Node::Empty);
            let existing = under(&key[at + 1..], old_child);
            let new = Node::Leaf { key: path[at + 1..].to_vec(), value };
            *node = split(&path[..at], (&key[at..], existing), (&path[at..], new))?;
        }
        Node::Branch { children } => {
            let (first, rest) = path.split_first().ok_or(TrieError::KeyPrefix)?;
            match &mut children[usize::from(*first)] {
                Some(child) => insert(child, rest, value, store)?,
                slot @ None => *slot = Some(Node::Leaf { key: rest.to_vec(), value }),
            }
        }
        Node::Hash(_) => unreachable_resolved(),
    }
    Ok(())
}

/// Removes `path`; returns whether it was present. Keeps the trie canonical: a branch
/// left with one child merges with it (resolving it from the store if needed).
fn remove(node: &mut Node, path: &[u8], store: &NodeStore) -> Result<bool, TrieError> {
    resolve(node, store)?;
    match node {
        Node::Empty => Ok(false),
        Node::Leaf { key, .. } => {
            if key.as_slice() != path {
                return Ok(false);
            }
            *node = Node::Empty;
            Ok(true)
        }
        Node::Extension { key, child } => {
            let Some(rest) = path.strip_prefix(key.as_slice()) else { return Ok(false) };
            if !remove(child, rest, store)? {
                return Ok(false);
            }
            let prefix = core::mem::take(key);
            let child = core::mem::replace(child.as_mut(), Node::Empty);
            *node = prepend(&prefix, child);
            Ok(true)
        }
        Node::Branch { children } => {
            let (first, rest) = path.split_first().ok_or(TrieError::KeyPrefix)?;
            let index = usize::from(*first);
            let Some(child) = &mut children[index] else { return Ok(false) };
            if !remove(child, rest, store)? {
                return Ok(false);
            }
            if matches!(child, Node::Empty) {
                children[index] = None;
            }
            let mut remaining = children.iter().enumerate().filter(|(_, c)| c.is_some());
            let only = match (remaining.next(), remaining.next()) {
                (Some((i, _)), None) => i,
                _ => return Ok(true),
            };
            let Some(mut last) = children[only].take() else { return Ok(true) };
            resolve(&mut last, store)?;
            let nibble = [u8::try_from(only).unwrap_or_default()];
            *node = prepend(&nibble, last);
            Ok(true)
        }
        Node::Hash(_) => unreachable_resolved(),
    }
}

/// `child` placed under `prefix`, merged with it when it is a leaf or an extension.
fn prepend(prefix: &[u8], child: Node) -> Node {
    let join = |key: &[u8]| [prefix, key].concat();
    match child {
        Node::Empty => Node::Empty,
        Node::Leaf { key, value } => Node::Leaf { key: join(&key), value },
        Node::Extension { key, child } => Node::Extension { key: join(&key), child },
        other => under(prefix, other),
    }
}

/// The RLP encoding of a resolved node (children by reference).
fn encode(node: &Node) -> Vec<u8> {
    encode_collecting(node, &mut None)
}

/// [`encode`], which also pushes onto `sink` the encoding of every node below `node`
/// that its parent refers to by hash; each node is encoded once.
fn encode_collecting(node: &Node, sink: &mut Option<&mut Vec<Bytes>>) -> Vec<u8> {
    let mut out = Vec::new();
    match node {
        Node::Empty => out.push(alloy_rlp::EMPTY_STRING_CODE),
        Node::Hash(hash) => out.extend_from_slice(RlpNode::word_rlp(hash).as_slice()),
        Node::Leaf { key, value } => {
            let key = Nibbles::from_nibbles_unchecked(key);
            LeafNodeRef::new(&key, value).rlp(&mut out);
        }
        Node::Extension { key, child } => {
            let key = Nibbles::from_nibbles_unchecked(key);
            let child = reference(child, sink);
            ExtensionNodeRef::new(&key, &child).rlp(&mut out);
        }
        Node::Branch { children } => {
            let mut stack = Vec::new();
            let mut mask = TrieMask::default();
            for (index, child) in children.iter().enumerate() {
                if let Some(child) = child {
                    mask.set_bit(u8::try_from(index).unwrap_or_default());
                    stack.push(reference(child, sink));
                }
            }
            BranchNodeRef::new(&stack, mask).rlp(&mut out);
        }
    }
    out
}

/// How a parent refers to `node`: its encoding when shorter than 32 bytes, else its hash
/// (and then the encoding goes to `sink`).
fn reference(node: &Node, sink: &mut Option<&mut Vec<Bytes>>) -> RlpNode {
    match node {
        Node::Hash(hash) => RlpNode::word_rlp(hash),
        node => {
            let encoded = encode_collecting(node, sink);
            if let Some(sink) = sink {
                if encoded.len() >= 32 {
                    sink.push(Bytes::copy_from_slice(&encoded));
                }
            }
            RlpNode::from_rlp(&encoded)
        }
    }
}

fn unreachable_resolved() -> ! {
    unreachable!("resolve() replaces hash nodes before they are matched")
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_trie::HashBuilder;

    fn keys(n: u8) -> Vec<(B256, Vec<u8>)> {
        let mut out: Vec<(B256, Vec<u8>)> =
            (0..n).map(|i| (keccak256([i]), alloc::vec![i + 1; usize::from(i % 40) + 1])).collect();
        out.sort();
        out
    }

    fn reference_root(entries: &[(B256, Vec<u8>)]) -> B256 {
        let mut builder = HashBuilder::default();
        for (key, value) in entries {
            builder.add_leaf(Nibbles::unpack(key), value);
        }
        builder.root()
    }

    #[test]
    fn inserts_and_removals_match_alloy_hash_builder() -> Result<(), TrieError> {
        let store = NodeStore::default();
        let entries = keys(60);
        let mut trie = SparseTrie::new(EMPTY_ROOT_HASH);
        for (key, value) in &entries {
            trie.insert(key.as_slice(), value.clone(), &store)?;
        }
        assert_eq!(trie.hash(), reference_root(&entries));
        for (key, _) in entries.iter().step_by(3) {
            trie.remove(key.as_slice(), &store)?;
        }
        let kept: Vec<_> = entries
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 3 != 0)
            .map(|(_, e)| e.clone())
            .collect();
        assert_eq!(trie.hash(), reference_root(&kept));
        Ok(())
    }

    #[test]
    fn resolves_from_a_store_and_reports_missing_nodes() -> Result<(), TrieError> {
        let entries = keys(30);
        let mut full = SparseTrie::new(EMPTY_ROOT_HASH);
        let empty = NodeStore::default();
        for (key, value) in &entries {
            full.insert(key.as_slice(), value.clone(), &empty)?;
        }
        let nodes = full.resolved_nodes();
        let store = NodeStore::new(&nodes);
        let mut sparse = SparseTrie::new(full.hash());
        assert_eq!(sparse.get(entries[7].0.as_slice(), &store)?, Some(entries[7].1.clone()));
        sparse.remove(entries[3].0.as_slice(), &store)?;
        full.remove(entries[3].0.as_slice(), &empty)?;
        assert_eq!(sparse.hash(), full.hash());

        let mut blind = SparseTrie::new(full.hash());
        let root = full.hash();
        assert_eq!(blind.get(entries[0].0.as_slice(), &empty), Err(TrieError::MissingNode(root)));
        Ok(())
    }
}
