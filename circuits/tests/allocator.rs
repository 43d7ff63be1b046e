//! Once the allocator is tuned ([`circuits::memory::tune_allocator`]), glibc takes the
//! setting, and freed column-sized blocks leave the process once freed and trimmed
//! ([`circuits::memory::release_freed`]). A process of its
//! own, so that no other test's allocations move its resident memory. (The retention the
//! tuning removes shows under a real proof's allocation pattern, not under this one:
//! `circuits::memory` gives the figures.)
#![allow(clippy::unwrap_used)]

use circuits::memory::{release_freed, resident_mib, tune_allocator};

/// Blocks of a 2^17-row column's size, as a segment proof allocates them.
const BLOCK: usize = 4 << 20;
const BLOCKS: usize = 256;

#[test]
fn tuned_freed_column_sized_blocks_leave_the_process() {
    let tuned = tune_allocator();
    if !cfg!(all(target_os = "linux", target_env = "gnu")) {
        assert!(!tuned);
        return;
    }
    assert!(tuned, "glibc refused the mmap threshold");
    // Each block is followed by a small value that outlives it, as a proof's bookkeeping
    // does, so that freed blocks sit between live ones.
    let mut blocks = Vec::with_capacity(BLOCKS);
    let mut small = Vec::with_capacity(BLOCKS);
    for i in 0..BLOCKS {
        blocks.push(vec![(i % 251) as u8 + 1; BLOCK]);
        small.push(vec![i as u64; 64]);
    }
    let full = resident_mib();
    drop(blocks);
    release_freed();
    let after = resident_mib();
    let freed_mib = (BLOCKS * BLOCK) as f64 / f64::from(1 << 20);
    assert!(
        full - after > 0.9 * freed_mib,
        "{freed_mib:.0} MiB freed, resident {full:.0} -> {after:.0} MiB"
    );
    assert_eq!(small.len(), BLOCKS);
}
