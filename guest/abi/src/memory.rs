//! The guest memory map.
//!
//! The address space is `[0, MEMORY_TOP)`, split into pages of [`PAGE_SIZE`] bytes. Page 0
//! is reserved for the machine: it holds the 32 registers and the program counter, so that
//! one memory argument in the circuits covers registers and RAM alike. Guest loads and
//! stores to page 0 are out of range.

/// Size of a memory page in bytes; the unit of paging between segments.
pub const PAGE_SIZE: u32 = 1024;
/// Number of 32-bit words in a page.
pub const PAGE_WORDS: usize = (PAGE_SIZE / 4) as usize;
/// log2 of the number of pages: the depth of the page Merkle tree.
pub const PAGE_TREE_DEPTH: u32 = 19;
/// One past the highest guest address (512 MiB).
pub const MEMORY_TOP: u32 = PAGE_SIZE << PAGE_TREE_DEPTH;
/// Number of pages in the address space.
pub const NUM_PAGES: u32 = 1 << PAGE_TREE_DEPTH;
/// Lowest address a guest may load from or store to (the start of page 1).
pub const GUEST_MIN_ADDR: u32 = PAGE_SIZE;
/// Byte address of register `x{i}` in the machine page is `REGISTER_BASE + 4 * i`.
pub const REGISTER_BASE: u32 = 0;
/// Byte address of the program counter in the machine page.
pub const PC_ADDR: u32 = 32 * 4;
/// Initial stack pointer set by the guest runtime (top of the address space, aligned).
pub const STACK_TOP: u32 = MEMORY_TOP - 16;

/// Byte address of register `reg` in the machine page.
pub const fn register_addr(reg: usize) -> u32 {
    REGISTER_BASE + 4 * reg as u32
}

/// Page index of a byte address.
pub const fn page_of(addr: u32) -> u32 {
    addr / PAGE_SIZE
}
