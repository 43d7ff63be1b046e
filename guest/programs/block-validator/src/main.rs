//! The block-validator guest: reads one [`stateless::GuestInput`] frame, validates the
//! block with the same library the host runs natively, and commits the 32-byte
//! `keccak256(abi.encode(PublicValues))` ([`stateless::PublicValues::commitment`]), the
//! digest a whole-program proof states. The host keeps the full public values beside it.
//!
//! An invalid block commits nothing: the guest logs the reason and halts with
//! [`stateless::INVALID_BLOCK_EXIT`] plus the error's code, so the host learns the kind
//! of rejection from the exit code. Input that does not decode is rejected the same way.
#![no_std]
#![no_main]

extern crate alloc;

#[cfg(feature = "syscalls")]
mod crypto;

use alloc::format;

use stateless::{validate_block, GuestInput, ValidationError};

guest_runtime::entry!(main);

fn main() {
    #[cfg(feature = "syscalls")]
    crypto::install();

    let bytes = guest_runtime::io::read_bytes();
    let outcome = GuestInput::from_bytes(&bytes)
        .map_err(ValidationError::Input)
        .and_then(|input| validate_block(&input));
    match outcome {
        Ok(validated) => {
            guest_runtime::io::commit_bytes(validated.public_values.commitment().as_slice())
        }
        Err(error) => {
            guest_runtime::io::log(&format!("invalid block: {error}"));
            guest_runtime::syscall::halt(error.exit_code());
        }
    }
}
