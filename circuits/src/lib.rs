//! The halo2 side of the zkVM, on BN254 (`Fr`) with the halo2-axiom proof system that
//! halo2-base re-exports.
//!
//! What is here so far:
//! - [`poseidon`]: the Poseidon permutation (width 3, x⁵, 8 full and 57 partial rounds,
//!   the constants halo2-base generates), natively and as a dedicated custom gate.
//! - [`paging`]: guest memory as a Poseidon Merkle tree of pages, the Merkle paths a
//!   segment pages in and out with, and a program's identity (`program_id`), the root of
//!   its initial memory.
//!
//! - [`logup`]: the LogUp bus every lookup goes through (here and in the precompile
//!   circuits).
//! - [`snark`]: one circuit's SHPLONK snark with the Poseidon transcript, proved and
//!   checked.
//! - [`cpu`]: the instruction-set extensions the compiled field arithmetic needs.
//! - [`memory`]: the process's peak memory, and freed proving memory given back to the
//!   system (the allocator's mmap threshold, and a trim between stages).
//!
//! The VM segment circuit that proves a `vm::SegmentRecord` builds on these.

pub mod chains;
pub mod cpu;
pub mod logup;
pub mod memory;
pub mod paging;
pub mod params;
pub mod poseidon;
pub mod segment;
pub mod snark;

pub use halo2_base::halo2_proofs::halo2curves::bn256::Fr;

pub use memory::peak_rss_mib;
