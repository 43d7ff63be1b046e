//! Guest memory as a Poseidon Merkle tree of pages.
//!
//! A page's leaf is the [`Sponge`](crate::poseidon::Sponge) hash (domain
//! [`LEAF_DOMAIN`]) of its 256 words packed seven to a field element
//! ([`pack_page`]). Inner nodes are [`hash_node`](crate::poseidon::hash_node) with domain
//! [`NODE_DOMAIN`]. The tree has `2^PAGE_TREE_DEPTH` leaves, one per page of the address
//! space; a page never written is all zeros, so most of the tree is the precomputed hash
//! of an empty subtree.
//!
//! A segment proves every page it touches against `mem_root_start` (page-in) and
//! recomputes the root over the pages it leaves behind (`mem_root_end`); the root of a
//! program's initial memory, machine page included, is its [`program_id`].

mod image;
mod tree;

pub use image::{initial_pages, program_id};
pub use tree::{MerklePath, PageTree};

use abi::memory::PAGE_WORDS;

use crate::poseidon::Sponge;
use crate::Fr;

/// Words packed into one field element (7 × 32 = 224 bits < 254).
pub const WORDS_PER_ELEMENT: usize = 7;
/// Field elements per page.
pub const ELEMENTS_PER_PAGE: usize = PAGE_WORDS.div_ceil(WORDS_PER_ELEMENT);
/// Capacity-word tag of page leaves.
pub const LEAF_DOMAIN: u64 = 0x7061_6765; // "page"
/// Capacity-word tag of inner nodes.
pub const NODE_DOMAIN: u64 = 0x6e6f_6465; // "node"

/// Packs a page's words, seven per element, little end first: element `i` is
/// `Σ_j words[7i + j] · 2^(32j)`.
pub fn pack_page(words: &[u32]) -> Vec<Fr> {
    words
        .chunks(WORDS_PER_ELEMENT)
        .map(|chunk| {
            chunk
                .iter()
                .rev()
                .fold(Fr::zero(), |acc, &w| acc * Fr::from(1u64 << 32) + Fr::from(u64::from(w)))
        })
        .collect()
}

/// The leaf hash of a page.
pub fn page_hash(words: &[u32]) -> Fr {
    Sponge::new(Fr::from(LEAF_DOMAIN)).hash(&pack_page(words))
}
