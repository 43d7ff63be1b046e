//! A sparse Poseidon Merkle tree over all pages, with Merkle paths.

use std::collections::HashMap;

use abi::memory::{PAGE_TREE_DEPTH, PAGE_WORDS};

use vm::trace::SegmentRecord;
use vm::Program;

use super::{page_hash, NODE_DOMAIN};
use crate::poseidon::hash_node;
use crate::Fr;

const DEPTH: usize = PAGE_TREE_DEPTH as usize;

fn node_hash(left: Fr, right: Fr) -> Fr {
    hash_node(Fr::from(NODE_DOMAIN), left, right)
}

/// The siblings from a leaf up to the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MerklePath {
    /// The page (leaf) index.
    pub index: u32,
    /// Sibling hashes, leaf level first.
    pub siblings: Vec<Fr>,
}

impl MerklePath {
    /// The root reached from `leaf` along this path.
    pub fn root(&self, leaf: Fr) -> Fr {
        self.siblings.iter().enumerate().fold(leaf, |node, (level, sibling)| {
            if (self.index >> level) & 1 == 0 {
                node_hash(node, *sibling)
            } else {
                node_hash(*sibling, node)
            }
        })
    }
}

/// The page tree: only non-empty subtrees are stored.
#[derive(Debug, Clone)]
pub struct PageTree {
    /// `levels[l][i]`: node `i` of level `l` (level 0 = leaves), where not empty.
    levels: Vec<HashMap<u32, Fr>>,
    /// `empty[l]`: the hash of an all-zero subtree whose root is at level `l`.
    empty: Vec<Fr>,
}

impl Default for PageTree {
    fn default() -> Self {
        Self::new()
    }
}

impl PageTree {
    /// The tree of an all-zero memory.
    pub fn new() -> Self {
        let mut empty = vec![page_hash(&[0; PAGE_WORDS])];
        for level in 0..DEPTH {
            empty.push(node_hash(empty[level], empty[level]));
        }
        Self { levels: vec![HashMap::new(); DEPTH + 1], empty }
    }

    /// The tree of a memory holding `pages` (index → 256 words); other pages are zero.
    pub fn from_pages<'a>(pages: impl IntoIterator<Item = (u32, &'a [u32])>) -> Self {
        let mut tree = Self::new();
        for (index, words) in pages {
            tree.levels[0].insert(index, page_hash(words));
        }
        for level in 0..DEPTH {
            let mut parents: Vec<u32> = tree.levels[level].keys().map(|i| i / 2).collect();
            parents.sort_unstable();
            parents.dedup();
            for parent in parents {
                let hash =
                    node_hash(tree.node(level, 2 * parent), tree.node(level, 2 * parent + 1));
                tree.levels[level + 1].insert(parent, hash);
            }
        }
        tree
    }

    /// Node `index` of `level` (level 0 = page leaves).
    pub fn node(&self, level: usize, index: u32) -> Fr {
        self.levels[level].get(&index).copied().unwrap_or(self.empty[level])
    }

    /// The tree of a program's initial memory (its root is the [`program_id`]).
    ///
    /// [`program_id`]: super::program_id
    pub fn initial(program: &Program) -> Self {
        let pages = super::initial_pages(program);
        Self::from_pages(pages.iter().map(|(i, words)| (*i, words.as_slice())))
    }

    /// Moves the tree past a segment: writes the pages the segment leaves behind.
    pub fn apply_segment(&mut self, record: &SegmentRecord) {
        for page in &record.pages_out {
            self.set_page(page.index, &page.words);
        }
    }

    /// The root.
    pub fn root(&self) -> Fr {
        self.node(DEPTH, 0)
    }

    /// The leaf hash of page `index`.
    pub fn leaf(&self, index: u32) -> Fr {
        self.node(0, index)
    }

    /// The Merkle path of page `index`.
    pub fn path(&self, index: u32) -> MerklePath {
        let siblings = (0..DEPTH).map(|level| self.node(level, (index >> level) ^ 1)).collect();
        MerklePath { index, siblings }
    }

    /// Replaces page `index` with `words` and updates the path to the root.
    pub fn set_page(&mut self, index: u32, words: &[u32]) {
        let mut node = page_hash(words);
        self.levels[0].insert(index, node);
        for level in 0..DEPTH {
            let i = index >> level;
            node = if i & 1 == 0 {
                node_hash(node, self.node(level, i ^ 1))
            } else {
                node_hash(self.node(level, i ^ 1), node)
            };
            self.levels[level + 1].insert(i >> 1, node);
        }
    }
}
