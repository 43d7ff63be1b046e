//! How much paging a segment can afford.
//!
//! The segment circuit hashes every page a segment touches (a page leaf, before and after)
//! and every node above those pages (old and new root), one Poseidon permutation per
//! *slot* of [`PAGING_SLOT_ROWS`] rows beside the CPU rows. A segment whose pages need more
//! slots than its circuit has cannot be proved, so trace mode also ends a segment when its
//! paging would no longer fit.

use std::collections::HashSet;

use abi::memory::PAGE_TREE_DEPTH;

use crate::config::SEGMENT_RESERVED_ROWS;

/// Rows of one paging slot in the segment circuit (a Poseidon permutation: 65 rounds and
/// the output row).
pub const PAGING_SLOT_ROWS: u64 = 66;
/// Slots that one page's leaf takes (its 37 packed elements, two per permutation).
pub const PAGE_LEAF_SLOTS: u64 = 19;
/// Smallest segment size the segment circuit proves; smaller segments are cut by rows
/// only.
pub const MIN_PROVABLE_SEGMENT_PO2: u32 = 17;
/// The most pages one instruction can touch (fetch, and a syscall's input and output
/// buffers, each possibly across a page boundary).
const MAX_NEW_PAGES_PER_INSTRUCTION: u64 = 5;

/// Slots of a `2^po2` segment circuit.
pub fn paging_slots(segment_po2: u32) -> u64 {
    ((1u64 << segment_po2) - SEGMENT_RESERVED_ROWS + 1) / PAGING_SLOT_ROWS
}

/// The slots the open segment's pages take so far.
#[derive(Debug, Clone)]
pub(crate) struct PagingBudget {
    slots: u64,
    limit: Option<u64>,
    nodes: HashSet<(u32, u32)>,
}

impl PagingBudget {
    /// An empty budget for segments of `2^segment_po2` rows.
    pub(crate) fn new(segment_po2: u32) -> Self {
        let limit = (segment_po2 >= MIN_PROVABLE_SEGMENT_PO2).then(|| paging_slots(segment_po2));
        Self { slots: 0, limit, nodes: HashSet::new() }
    }

    /// Counts a page the segment touches for the first time: its leaf and the nodes above
    /// it that no other page of the segment has brought in yet.
    pub(crate) fn add_page(&mut self, page: u32) {
        self.slots += PAGE_LEAF_SLOTS;
        for level in 1..=PAGE_TREE_DEPTH {
            if !self.nodes.insert((level, page >> level)) {
                break;
            }
            self.slots += 1;
        }
    }

    /// Whether the next instruction might not fit: the segment should end before it.
    pub(crate) fn full(&self) -> bool {
        let worst = MAX_NEW_PAGES_PER_INSTRUCTION * (PAGE_LEAF_SLOTS + u64::from(PAGE_TREE_DEPTH));
        self.limit.is_some_and(|limit| self.slots + worst > limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbouring_pages_share_their_nodes() {
        let mut budget = PagingBudget::new(17);
        budget.add_page(0);
        assert_eq!(budget.slots, 19 + 19);
        budget.add_page(1); // same parent: only its leaf
        assert_eq!(budget.slots, 2 * 19 + 19);
        budget.add_page(2); // new parent at level 1, shared above
        assert_eq!(budget.slots, 3 * 19 + 20);
        assert_eq!(paging_slots(17), 1984);
        assert!(!budget.full());
        assert!(!PagingBudget::new(9).full());
    }
}
