//! How much hashing a segment can afford.
//!
//! Beside its CPU rows, the segment circuit runs Poseidon permutations in *slots* of
//! [`HASH_SLOT_ROWS`] rows. Paging takes slots for every page a segment touches (a page
//! leaf, before and after) and every node above those pages (old and new root); the
//! running hashes ("chains") of COMMIT and of each precompile take one slot per two packed
//! elements of their calls. A segment whose hashing needs more slots than its circuit has
//! cannot be proved, so trace mode also ends a segment when its slots would run out.

use std::collections::HashSet;

use abi::memory::PAGE_TREE_DEPTH;
use abi::syscall::{
    KECCAK_STATE_LANES, MAX_IO_CHUNK_BYTES, SECP256K1_RECOVER_INPUT_BYTES,
    SECP256K1_RECOVER_OUTPUT_BYTES,
};

use crate::config::SEGMENT_RESERVED_ROWS;

/// Rows of one hash slot in the segment circuit (a Poseidon permutation: a row per full
/// round, a row per three partial rounds, and the output row).
pub const HASH_SLOT_ROWS: u64 = 28;
/// Slots that one page's leaf takes (its 37 packed elements, two per permutation).
pub const PAGE_LEAF_SLOTS: u64 = 19;
/// Syscall data rows (each a 64-bit value) packed into one chain element.
pub const CHAIN_ROWS_PER_ELEMENT: u64 = 3;
/// Chain values of a KECCAK_PERMUTE call: one per state word (before and after).
pub const KECCAK_CHAIN_ROWS: u64 = 2 * KECCAK_STATE_LANES as u64;
/// Chain values of a SECP256K1_RECOVER call: the success flag, then one per input and
/// output word.
pub const SECP_CHAIN_ROWS: u64 =
    1 + (SECP256K1_RECOVER_INPUT_BYTES + SECP256K1_RECOVER_OUTPUT_BYTES) as u64 / 4;
/// Chain elements one slot absorbs (one per hash lane).
const CHAIN_ELEMENTS_PER_SLOT: u64 = 2;
/// Smallest segment size the segment circuit proves; smaller segments are cut by rows
/// only.
pub const MIN_PROVABLE_SEGMENT_PO2: u32 = 17;
/// The most pages one instruction can touch (fetch, and a syscall's input and output
/// buffers, each possibly across a page boundary).
const MAX_NEW_PAGES_PER_INSTRUCTION: u64 = 5;
/// The most chain slots one instruction can add (a COMMIT of the longest chunk, and one
/// slot for an element left over from before).
const MAX_CHAIN_SLOTS_PER_INSTRUCTION: u64 =
    (MAX_IO_CHUNK_BYTES as u64 / 4).div_ceil(CHAIN_ROWS_PER_ELEMENT).div_ceil(2) + 1;

/// A running hash the segment circuit keeps over syscall data, in public-input order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Chain {
    /// The words of every COMMIT call.
    Output = 0,
    /// Every KECCAK_PERMUTE call: each state word before and after.
    Keccak = 1,
    /// Every SECP256K1_RECOVER call: the success flag, the input and the output words.
    Secp = 2,
}

impl Chain {
    /// Every chain, in public-input order.
    pub const ALL: [Chain; 3] = [Chain::Output, Chain::Keccak, Chain::Secp];
}

/// Slots of a `2^po2` segment circuit.
pub fn hash_slots(segment_po2: u32) -> u64 {
    ((1u64 << segment_po2) - SEGMENT_RESERVED_ROWS + 1) / HASH_SLOT_ROWS
}

/// The slots the open segment's hashing takes so far.
#[derive(Debug, Clone)]
pub(crate) struct SlotBudget {
    paging_slots: u64,
    chain_elements: [u64; 3],
    limit: Option<u64>,
    nodes: HashSet<(u32, u32)>,
}

impl SlotBudget {
    /// An empty budget for segments of `2^segment_po2` rows.
    pub(crate) fn new(segment_po2: u32) -> Self {
        let limit = (segment_po2 >= MIN_PROVABLE_SEGMENT_PO2).then(|| hash_slots(segment_po2));
        Self { paging_slots: 0, chain_elements: [0; 3], limit, nodes: HashSet::new() }
    }

    /// Counts a page the segment touches for the first time: its leaf and the nodes above
    /// it that no other page of the segment has brought in yet.
    pub(crate) fn add_page(&mut self, page: u32) {
        self.paging_slots += PAGE_LEAF_SLOTS;
        for level in 1..=PAGE_TREE_DEPTH {
            if !self.nodes.insert((level, page >> level)) {
                break;
            }
            self.paging_slots += 1;
        }
    }

    /// Counts a call that adds `rows` data values to `chain`.
    pub(crate) fn add_chain_rows(&mut self, chain: Chain, rows: u64) {
        self.chain_elements[chain as usize] += rows.div_ceil(CHAIN_ROWS_PER_ELEMENT);
    }

    /// Slots taken so far.
    pub(crate) fn slots(&self) -> u64 {
        let chains: u64 =
            self.chain_elements.iter().map(|e| e.div_ceil(CHAIN_ELEMENTS_PER_SLOT)).sum();
        self.paging_slots + chains
    }

    /// Whether the next instruction might not fit: the segment should end before it.
    pub(crate) fn full(&self) -> bool {
        let worst = MAX_NEW_PAGES_PER_INSTRUCTION * (PAGE_LEAF_SLOTS + u64::from(PAGE_TREE_DEPTH))
            + MAX_CHAIN_SLOTS_PER_INSTRUCTION;
        self.limit.is_some_and(|limit| self.slots() + worst > limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbouring_pages_share_their_nodes() {
        let mut budget = SlotBudget::new(17);
        budget.add_page(0);
        assert_eq!(budget.slots(), 19 + 19);
        budget.add_page(1); // same parent: only its leaf
        assert_eq!(budget.slots(), 2 * 19 + 19);
        budget.add_page(2); // new parent at level 1, shared above
        assert_eq!(budget.slots(), 3 * 19 + 20);
        assert_eq!(hash_slots(17), 4678);
        assert!(!budget.full());
        assert!(!SlotBudget::new(9).full());
    }

    #[test]
    fn chain_elements_pair_up_across_calls() {
        let mut budget = SlotBudget::new(17);
        budget.add_chain_rows(Chain::Keccak, 50); // 17 elements: 9 slots
        assert_eq!(budget.slots(), 9);
        budget.add_chain_rows(Chain::Keccak, 50); // 34 elements: 17 slots
        assert_eq!(budget.slots(), 17);
        budget.add_chain_rows(Chain::Output, 8); // 3 elements: 2 slots
        assert_eq!(budget.slots(), 19);
    }
}
