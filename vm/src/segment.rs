//! Cutting an execution into segments: the row clock that decides where segments end,
//! and the trace-mode [`SegmentBuilder`] that fills one [`SegmentRecord`] per segment.

use std::collections::{BTreeMap, HashMap};
use std::mem;

use abi::memory::{page_of, PAGE_WORDS, PC_ADDR};

use crate::executor::Executor;
use crate::memory::Memory;
use crate::slot_budget::{Chain, SlotBudget, KECCAK_CHAIN_ROWS, SECP_CHAIN_ROWS};
use crate::trace::{
    page_in_timestamp, timestamp, AccessKind, BoundaryState, InstructionEvent, MemoryAccess, Page,
    PrecompileCall, SegmentRecord,
};
use crate::tracer::Tracer;

/// Decides where segments end. An instruction never straddles two segments: if its rows
/// do not fit in what is left of the current one, a new segment starts with it.
#[derive(Debug, Clone)]
pub(crate) struct SegmentClock {
    capacity: u64,
    start_row: u64,
    closed: u64,
}

impl SegmentClock {
    pub(crate) fn new(capacity: u64) -> Self {
        Self { capacity, start_row: 0, closed: 0 }
    }

    /// Rows per segment.
    pub(crate) fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Number of segments so far, counting the open one.
    pub(crate) fn segments(&self) -> u64 {
        self.closed + 1
    }

    /// Places an instruction of `rows` rows (at most the capacity) at global row `row`,
    /// and says whether it starts a new segment; `slots_full` ends a non-empty segment
    /// early (trace mode's [`SlotBudget`](crate::slot_budget)). Rows since the last
    /// call are taken to be single-row instructions, so fast mode may call this at
    /// syscalls only.
    pub(crate) fn place(&mut self, row: u64, rows: u64, slots_full: bool) -> bool {
        let mut used = row - self.start_row;
        let mut starts_new = false;
        if used >= self.capacity {
            let full = used / self.capacity;
            self.start_row += full * self.capacity;
            self.closed += full;
            used -= full * self.capacity;
            starts_new = used == 0;
        }
        if used > 0 && (used + rows > self.capacity || slots_full) {
            self.start_row = row;
            self.closed += 1;
            starts_new = true;
        }
        starts_new
    }
}

/// The machine page (page 0): registers, then the program counter.
fn machine_page(executor: &Executor) -> Vec<u32> {
    let mut words = vec![0u32; PAGE_WORDS];
    words[..32].copy_from_slice(&executor.regs);
    words[(PC_ADDR / 4) as usize] = executor.pc;
    words
}

fn boundary(executor: &Executor) -> BoundaryState {
    BoundaryState { pc: executor.pc, registers: executor.regs }
}

/// The segment being filled.
struct OpenSegment {
    index: u32,
    first_row: u64,
    start: BoundaryState,
    events: Vec<InstructionEvent>,
    accesses: Vec<MemoryAccess>,
    pages_in: BTreeMap<u32, Vec<u32>>,
    slots: SlotBudget,
    last_access: HashMap<u32, u64>,
    input: Vec<u8>,
    commits: Vec<Vec<u8>>,
    precompile_calls: Vec<PrecompileCall>,
}

impl OpenSegment {
    fn new(index: u32, executor: &Executor) -> Self {
        let mut slots = SlotBudget::new(executor.config.segment_po2);
        slots.add_page(0);
        Self {
            index,
            first_row: executor.row,
            start: boundary(executor),
            events: Vec::new(),
            accesses: Vec::new(),
            pages_in: BTreeMap::from([(0, machine_page(executor))]),
            slots,
            last_access: HashMap::new(),
            input: Vec::new(),
            commits: Vec::new(),
            precompile_calls: Vec::new(),
        }
    }

    fn close(self, executor: &Executor, segment_po2: u32) -> SegmentRecord {
        let pages_out = self
            .pages_in
            .keys()
            .map(|&index| {
                let words = if index == 0 {
                    machine_page(executor)
                } else {
                    executor.memory.page_words(index).to_vec()
                };
                Page { index, words }
            })
            .collect();
        let pages_in =
            self.pages_in.into_iter().map(|(index, words)| Page { index, words }).collect();
        SegmentRecord {
            index: self.index,
            segment_po2,
            first_row: self.first_row,
            rows: executor.row - self.first_row,
            start: self.start,
            end: boundary(executor),
            events: self.events,
            accesses: self.accesses,
            pages_in,
            pages_out,
            input: self.input,
            commits: self.commits,
            precompile_calls: self.precompile_calls,
            exit_code: executor.exit_code,
        }
    }
}

/// The tracer of trace mode: builds one [`SegmentRecord`] per segment and hands each to
/// `sink` as soon as it is complete.
pub(crate) struct SegmentBuilder<F: FnMut(SegmentRecord)> {
    segment_po2: u32,
    open: OpenSegment,
    sink: F,
}

impl<F: FnMut(SegmentRecord)> SegmentBuilder<F> {
    /// Starts the first segment at the executor's current state.
    pub(crate) fn new(executor: &Executor, sink: F) -> Self {
        Self { segment_po2: executor.config.segment_po2, open: OpenSegment::new(0, executor), sink }
    }

    /// Closes the last segment.
    pub(crate) fn finish(mut self, executor: &Executor) {
        (self.sink)(self.open.close(executor, self.segment_po2));
    }
}

impl<F: FnMut(SegmentRecord)> Tracer for SegmentBuilder<F> {
    const ENABLED: bool = true;

    fn begin_segment(&mut self, executor: &Executor) {
        let next = OpenSegment::new(self.open.index + 1, executor);
        let done = mem::replace(&mut self.open, next);
        (self.sink)(done.close(executor, self.segment_po2));
    }

    fn slots_full(&self) -> bool {
        self.open.slots.full()
    }

    fn instruction(&mut self, row: u64, pc: u32, word: u32) {
        self.open.events.push(InstructionEvent {
            row,
            pc,
            next_pc: pc,
            word,
            rows: 1,
            first_access: self.open.accesses.len() as u32,
        });
    }

    fn access(
        &mut self,
        memory: &Memory,
        row: u64,
        slot: u64,
        addr: u32,
        kind: AccessKind,
        prev: u32,
        value: u32,
    ) {
        let open = &mut self.open;
        let page = page_of(addr);
        if page != 0 && !open.pages_in.contains_key(&page) {
            open.pages_in.insert(page, memory.page_words(page).to_vec());
            open.slots.add_page(page);
        }
        let ts = timestamp(row, slot);
        let prev_timestamp =
            open.last_access.insert(addr, ts).unwrap_or(page_in_timestamp(open.first_row));
        open.accesses.push(MemoryAccess {
            addr,
            timestamp: ts,
            kind,
            value,
            prev_value: prev,
            prev_timestamp,
        });
    }

    fn finish_instruction(&mut self, next_pc: u32, rows: u32) {
        if let Some(event) = self.open.events.last_mut() {
            event.next_pc = next_pc;
            event.rows = rows;
        }
    }

    fn input(&mut self, bytes: &[u8]) {
        self.open.input.extend_from_slice(bytes);
    }

    fn output(&mut self, bytes: &[u8]) {
        self.open.slots.add_chain_rows(Chain::Output, bytes.len() as u64 / 4);
        self.open.commits.push(bytes.to_vec());
    }

    fn precompile(&mut self, call: PrecompileCall) {
        let (chain, rows) = match &call {
            PrecompileCall::KeccakPermute { .. } => (Chain::Keccak, KECCAK_CHAIN_ROWS),
            PrecompileCall::Secp256k1Recover { .. } => (Chain::Secp, SECP_CHAIN_ROWS),
        };
        self.open.slots.add_chain_rows(chain, rows);
        self.open.precompile_calls.push(call);
    }
}

#[cfg(test)]
mod tests {
    use super::SegmentClock;

    #[test]
    fn clock_cuts_full_segments_and_moves_big_instructions() {
        let mut lazy = SegmentClock::new(8);
        let mut eager = SegmentClock::new(8);
        // Single-row instructions at rows 0..19, then a 5-row syscall at row 20.
        let starts: Vec<u64> = (0..20).filter(|&r| eager.place(r, 1, false)).collect();
        assert_eq!(starts, [8, 16]);
        assert!(eager.place(20, 5, false)); // 4 rows used + 5 > 8: a new segment starts at 20
        assert!(lazy.place(20, 5, false));
        assert_eq!((eager.segments(), lazy.segments()), (4, 4));
        // Full hash slots cut early, and the row count goes on from the cut.
        assert!(eager.place(22, 1, true));
        assert!(!eager.place(29, 1, false));
        assert!(eager.place(30, 1, false));
        assert_eq!(eager.segments(), 6);
    }
}
