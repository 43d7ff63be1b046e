//! What a segment starts from, beyond its record: the committed memory and chains its
//! predecessors left.

use vm::{Program, SegmentRecord};

use crate::chains::Chains;
use crate::paging::PageTree;

/// The committed state between segments: the page tree of the memory and the chains.
#[derive(Debug, Clone)]
pub struct SegmentStart {
    /// The memory as a page tree (its root is the segment's `mem_root_start`).
    pub memory: PageTree,
    /// The chains (the segment's `chains_start`).
    pub chains: Chains,
}

impl SegmentStart {
    /// Where a run of `program` starts: its initial memory (whose root is its
    /// `program_id`) and the initial chains.
    pub fn initial(program: &Program) -> Self {
        Self { memory: PageTree::initial(program), chains: Chains::initial() }
    }

    /// Advances past `record`, which must start here.
    pub fn apply_segment(&mut self, record: &SegmentRecord) {
        self.memory.apply_segment(record);
        self.chains = self.chains.apply_segment(record);
    }
}
