//! Stateless Ethereum block validation, the same `no_std` code natively and in the
//! `block-validator` guest.
//!
//! [`validate_block`] takes a [`GuestInput`] (a block, its parent header, the MPT nodes
//! of every account and slot it touches, the codes it runs and ancestor headers), and
//! either returns the block's [`PublicValues`] or a [`ValidationError`] naming what
//! differs. Execution is revm through alloy-evm's Ethereum block executor (system calls,
//! withdrawals and requests included); encodings and roots are alloy's.
//!
//! Inside the guest, keccak-256 and secp256k1 recovery go through the precompile
//! syscalls: the guest build enables alloy-primitives' `native-keccak` and installs
//! crypto providers; this crate is the same in both places.
#![no_std]

extern crate alloc;

pub mod chain;
pub mod error;
mod header;
pub mod input;
pub mod mpt;
pub mod public_values;
mod validate;
pub mod witness_db;

pub use chain::{ChainConfig, Fork};
pub use error::{HeaderField, ValidationError, INVALID_BLOCK_EXIT};
pub use input::GuestInput;
pub use public_values::PublicValues;
pub use validate::{execute_over, validate_block, ValidatedBlock};
