//! The VM segment circuit: proves that one `vm::SegmentRecord` is a correct RV32IM
//! execution from its start state to its end state.
//!
//! Layout: one row per cycle (an instruction, or one data word of a syscall), plus page rows
//! in their own columns and two Poseidon hash lanes that page the touched pages in against
//! `mem_root_start` and out into `mem_root_end` (`merkle.rs`) and fold the syscall data
//! into the public chains (`chain.rs`). Constraints are custom gates of degree at most 5 (see `cpu.rs`);
//! range checks, the decode table and the memory argument are fractions on one LogUp bus
//! (`logup.rs`, `memory.rs`) over two second-phase challenges.

mod bus_witness;
mod chain;
mod chain_witness;
mod circuit;
mod cpu;
mod expr;
mod layout;
mod memory;
mod merkle;
mod merkle_witness;
mod prove;
mod start;
mod tables;
mod witness;

pub use circuit::{usable_rows, SegmentCircuit, SegmentConfig, MIN_SEGMENT_K};
pub use prove::{
    keygen, prove_segment, verify_segment, ProveError, SegmentProof, NUM_PUBLIC_INPUTS,
};
pub use start::SegmentStart;
pub use witness::SegmentPublicInputs;

/// Rows of one hash slot (one Poseidon permutation in each hash lane).
pub const HASH_SLOT_ROWS: usize = merkle::SLOT_ROWS;

/// Why a segment record cannot be turned into a circuit witness.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SegmentError {
    /// The circuit is smaller than its tables.
    #[error("a segment circuit needs k >= {MIN_SEGMENT_K}, got {0}")]
    CircuitTooSmall(u32),
    /// The segment has more rows than the circuit (or none).
    #[error("the segment's row count does not fit the circuit")]
    TooManyRows,
    /// The segment touches more pages than the circuit's page rows hold.
    #[error("the segment touches {0} pages, more than the circuit's paging rows hold")]
    TooManyPages(usize),
    /// The segment's paging and chains need more hash slots than the circuit has.
    #[error("the segment's paging and chains need more than the circuit's {0} hash slots")]
    HashSlotsExhausted(usize),
    /// The record is inconsistent.
    #[error("malformed segment record: {0}")]
    Malformed(&'static str),
}
