//! The rollup's test statement: reads one ABI-encoded [`stateless::PublicValues`] and
//! commits `keccak256(abi.encode(pv))`, the same 32 bytes the block-validator guest
//! commits for a validated block, so `Rollup.sol` accepts its proof the same way.
//!
//! The hash runs in software (the `sha3` crate), not through the `KECCAK_PERMUTE`
//! syscall, so every run of this guest can be proved before the keccak-f circuit exists.
//! Bytes that are not a canonical encoding commit nothing and halt with exit code 1.
#![no_std]
#![no_main]

use sha3::{Digest, Keccak256};
use stateless::PublicValues;

guest_runtime::entry!(main);

/// The exit code of input that is not one ABI-encoded `PublicValues`.
const MALFORMED_INPUT_EXIT: u32 = 1;

fn main() {
    let bytes = guest_runtime::io::read_bytes();
    let canonical = PublicValues::from_bytes(&bytes).map(|values| values.to_bytes());
    match canonical {
        Ok(encoding) if encoding == bytes => {
            let digest = Keccak256::digest(&encoding);
            guest_runtime::io::commit_bytes(&digest[..]);
        }
        _ => {
            guest_runtime::io::log("input is not one ABI-encoded PublicValues");
            guest_runtime::syscall::halt(MALFORMED_INPUT_EXIT);
        }
    }
}
