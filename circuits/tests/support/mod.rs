//! Shared by the segment circuit tests: circuits for a run's segments, each against the
//! memory tree its predecessors left.
#![allow(clippy::unwrap_used, dead_code)]

use circuits::paging::PageTree;
use circuits::segment::SegmentCircuit;
use vm::{Program, SegmentRecord};

/// The size-`k` circuit of every segment of `program`'s run, in order.
pub(crate) fn circuits(
    k: u32,
    program: &Program,
    records: &[SegmentRecord],
) -> Vec<SegmentCircuit> {
    let mut memory = PageTree::initial(program);
    records
        .iter()
        .map(|record| {
            let circuit = SegmentCircuit::new(k, record, &memory).unwrap();
            memory.apply_segment(record);
            circuit
        })
        .collect()
}

/// [`circuits`] for a guest ELF.
pub(crate) fn elf_circuits(k: u32, elf: &[u8], records: &[SegmentRecord]) -> Vec<SegmentCircuit> {
    circuits(k, &Program::from_elf(elf).unwrap(), records)
}
