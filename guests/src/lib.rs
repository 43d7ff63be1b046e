//! The example guest programs, cross-compiled for `riscv32im` from `guest/` by this
//! crate's build script, and the builder that does it.
//!
//! - [`FIBONACCI_ELF`]: reads `n: u32`, commits `(n, fib(n) mod 2^64)`.
//! - [`FIBONACCI_DIGEST_ELF`]: reads `n: u32`, commits one 32-byte word holding `n` and
//!   `fib(n) mod 2^64` (the one-digest output that whole-program proofs state).
//! - [`KECCAK_ELF`]: reads a byte frame, commits its keccak-256 digest computed with the
//!   `KECCAK_PERMUTE` syscall.
//! - [`REVM_SMOKE_ELF`]: reads a 32-byte word, deploys and calls a contract with revm,
//!   commits the 32-byte return data (`keccak256(word)`).
//! - [`BLOCK_VALIDATOR_ELF`]: reads a `stateless::GuestInput` frame, validates the block
//!   and commits `keccak256(abi.encode(PublicValues))`; an invalid block halts with
//!   `stateless::INVALID_BLOCK_EXIT` plus the error's code and commits nothing.

mod builder;

pub use builder::{
    build_guest_without_default_features, build_guests, GuestBuildError, GUEST_CARGO,
    GUEST_PROGRAMS, GUEST_RUSTC, GUEST_TARGET,
};

include!(concat!(env!("OUT_DIR"), "/elfs.rs"));

/// The guest ELFs by program name, in the order of [`GUEST_PROGRAMS`].
pub const GUEST_ELFS: [(&str, &[u8]); 6] = [
    ("fibonacci", FIBONACCI_ELF),
    ("fibonacci-digest", FIBONACCI_DIGEST_ELF),
    ("public-values", PUBLIC_VALUES_ELF),
    ("keccak", KECCAK_ELF),
    ("revm-smoke", REVM_SMOKE_ELF),
    ("block-validator", BLOCK_VALIDATOR_ELF),
];

/// The directory of the guest workspace (`guest/` in the repository).
pub fn guest_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("guest")
}
