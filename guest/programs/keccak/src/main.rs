//! Reads a byte string and commits its keccak-256 digest, hashed through the
//! `KECCAK_PERMUTE` syscall.
#![no_std]
#![no_main]

guest_runtime::entry!(main);

fn main() {
    let data = guest_runtime::io::read_bytes();
    let digest = guest_runtime::precompiles::keccak256(&data);
    guest_runtime::io::commit_bytes(&digest);
}
