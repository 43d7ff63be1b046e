//! The segment record: the plain-data boundary between the executor and the circuits.
//!
//! Execution in trace mode is cut into segments of at most `2^segment_po2 - 64` rows (see
//! [`crate::SEGMENT_RESERVED_ROWS`]). A row is
//! one executed instruction, or one data row of a syscall (a word the syscall reads
//! and/or writes). Every row has [`TIMESTAMP_SLOTS`] timestamp slots, and the access in
//! slot `s` of global row `r` has timestamp [`timestamp`]`(r, s)` = `5r + s + 1`; the
//! timestamp `5·first_row` of a segment stands for its paged-in contents.
//!
//! | slot | instruction row | `ecall` row | syscall data row |
//! |---|---|---|---|
//! | [`SLOT_FETCH`] | instruction fetch | fetch | — |
//! | [`SLOT_RS1`] | `rs1` read | `t0` read | — |
//! | [`SLOT_RS2`] | `rs2` read | `a0` read | data word read |
//! | [`SLOT_MEM`] | load or store | `a1` read | data word write |
//! | [`SLOT_RD`] | `rd` write | result written to `a0` | — |
//!
//! Registers are the words of page 0 ([`abi::memory::register_addr`]), so one access log
//! covers registers and RAM; word 32 of page 0 ([`abi::memory::PC_ADDR`]) holds the
//! program counter at the segment boundaries.

use serde::{Deserialize, Serialize};

/// Number of timestamp slots per row.
pub const TIMESTAMP_SLOTS: u64 = 5;
/// Slot of the instruction fetch.
pub const SLOT_FETCH: u64 = 0;
/// Slot of the first register operand.
pub const SLOT_RS1: u64 = 1;
/// Slot of the second register operand, and of a syscall data read.
pub const SLOT_RS2: u64 = 2;
/// Slot of a load or store, and of a syscall data write.
pub const SLOT_MEM: u64 = 3;
/// Slot of the destination register write.
pub const SLOT_RD: u64 = 4;

/// Timestamp of the access in `slot` of global row `row`.
pub const fn timestamp(row: u64, slot: u64) -> u64 {
    TIMESTAMP_SLOTS * row + slot + 1
}

/// Timestamp standing for the paged-in contents of a segment starting at `first_row`.
pub const fn page_in_timestamp(first_row: u64) -> u64 {
    TIMESTAMP_SLOTS * first_row
}

/// Whether an access reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccessKind {
    /// The word is read; `value == prev_value`.
    Read,
    /// The word is overwritten with `value`.
    Write,
}

/// One word access, register or RAM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryAccess {
    /// Word-aligned byte address (page 0 holds the registers).
    pub addr: u32,
    /// Timestamp of this access (see the module docs).
    pub timestamp: u64,
    /// Read or write.
    pub kind: AccessKind,
    /// The word after the access.
    pub value: u32,
    /// The word before the access.
    pub prev_value: u32,
    /// Timestamp of the previous access to this word, or of the segment's page-in.
    pub prev_timestamp: u64,
}

/// One executed instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstructionEvent {
    /// Global row number of the instruction (its first row).
    pub row: u64,
    /// Address of the instruction.
    pub pc: u32,
    /// Program counter after it.
    pub next_pc: u32,
    /// The instruction word as fetched from memory.
    pub word: u32,
    /// Number of rows it takes: 1, plus the data rows of a syscall.
    pub rows: u32,
    /// Index into [`SegmentRecord::accesses`] of its first access; its accesses are
    /// contiguous up to the next event's.
    pub first_access: u32,
}

/// A precompile call, with the values the VM passed in and got back.
// Keccak calls dominate in number, so their inline 400 bytes are the common case.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PrecompileCall {
    /// `KECCAK_PERMUTE`: the state before and after keccak-f\[1600\].
    KeccakPermute {
        /// Lanes before the permutation.
        input: [u64; 25],
        /// Lanes after the permutation.
        output: [u64; 25],
    },
    /// `SECP256K1_RECOVER`: the 100-byte input record and the recovered key, if any.
    Secp256k1Recover {
        /// hash ‖ r ‖ s ‖ v.
        input: Vec<u8>,
        /// The 64-byte public key, or `None` if recovery failed.
        output: Option<Vec<u8>>,
    },
}

/// The machine state at a segment boundary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoundaryState {
    /// Program counter.
    pub pc: u32,
    /// Registers x0..x31.
    pub registers: [u32; 32],
}

/// A page's contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    /// Page index (address / page size); page 0 is the machine page.
    pub index: u32,
    /// The page's words.
    pub words: Vec<u32>,
}

/// Everything the circuits need to prove one segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentRecord {
    /// Position of this segment in the execution, from 0.
    pub index: u32,
    /// log2 of the row capacity of the segment.
    pub segment_po2: u32,
    /// Global row number of the first row.
    pub first_row: u64,
    /// Number of rows used (at most `2^segment_po2 - SEGMENT_RESERVED_ROWS`).
    pub rows: u64,
    /// State before the first instruction.
    pub start: BoundaryState,
    /// State after the last instruction.
    pub end: BoundaryState,
    /// Executed instructions in order.
    pub events: Vec<InstructionEvent>,
    /// All word accesses in timestamp order.
    pub accesses: Vec<MemoryAccess>,
    /// Every touched page (page 0 always) as it was when the segment started, by index.
    pub pages_in: Vec<Page>,
    /// The same pages as they are when the segment ends, by index.
    pub pages_out: Vec<Page>,
    /// Input bytes consumed by `READ` in this segment.
    pub input: Vec<u8>,
    /// The bytes of each `COMMIT` call in this segment, one entry per call.
    pub commits: Vec<Vec<u8>>,
    /// Precompile calls in this segment, in order.
    pub precompile_calls: Vec<PrecompileCall>,
    /// The exit code, if the machine halted in this segment.
    pub exit_code: Option<u32>,
}
