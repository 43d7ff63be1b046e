//! Guest RAM: a flat, lazily zeroed array of words covering the whole address space,
//! with a record of which pages have ever been touched (for the memory limit and for
//! paging in trace mode).

use abi::memory::{page_of, GUEST_MIN_ADDR, MEMORY_TOP, NUM_PAGES, PAGE_WORDS};

/// Guest RAM. Page 0 (the machine page) is not stored here; the executor keeps the
/// registers and the program counter itself.
pub(crate) struct Memory {
    /// Word `i` holds bytes `4i..4i+4`, little-endian. Allocated zeroed, so the OS maps
    /// pages on first write only.
    words: Vec<u32>,
    /// One bit per page: has the page been touched since the machine started.
    resident: Vec<u64>,
    resident_pages: u64,
    max_pages: u64,
}

/// A guest memory access failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MemoryFault {
    /// The address is below [`GUEST_MIN_ADDR`] or at or above [`MEMORY_TOP`].
    OutOfRange,
    /// Touching the page would exceed the configured number of resident pages.
    LimitExceeded,
}

impl Memory {
    /// Empty memory that may hold at most `max_pages` resident pages.
    pub(crate) fn new(max_pages: u64) -> Self {
        Self {
            words: vec![0; (MEMORY_TOP / 4) as usize],
            resident: vec![0; (NUM_PAGES / 64) as usize],
            resident_pages: 0,
            max_pages,
        }
    }

    /// Number of pages touched so far.
    pub(crate) fn resident_pages(&self) -> u64 {
        self.resident_pages
    }

    /// Checks that the word at `addr` (aligned) may be accessed, marking its page resident.
    #[inline(always)]
    pub(crate) fn check(&mut self, addr: u32) -> Result<(), MemoryFault> {
        if !(GUEST_MIN_ADDR..MEMORY_TOP).contains(&addr) {
            return Err(MemoryFault::OutOfRange);
        }
        let page = page_of(addr) as usize;
        let (slot, bit) = (page / 64, 1u64 << (page % 64));
        if self.resident[slot] & bit == 0 {
            if self.resident_pages >= self.max_pages {
                return Err(MemoryFault::LimitExceeded);
            }
            self.resident[slot] |= bit;
            self.resident_pages += 1;
        }
        Ok(())
    }

    /// Reads an aligned word whose address has been [`check`](Self::check)ed.
    #[inline(always)]
    pub(crate) fn word(&self, addr: u32) -> u32 {
        self.words[(addr >> 2) as usize]
    }

    /// Writes an aligned word whose address has been [`check`](Self::check)ed.
    #[inline(always)]
    pub(crate) fn set_word(&mut self, addr: u32, value: u32) {
        self.words[(addr >> 2) as usize] = value;
    }

    /// The words of page `page`.
    pub(crate) fn page_words(&self, page: u32) -> &[u32] {
        let start = page as usize * PAGE_WORDS;
        &self.words[start..start + PAGE_WORDS]
    }
}
