//! Reads `n: u32` and commits one 32-byte word, the shape of output a proof states:
//! `n` as a big-endian u64 in bytes 0..8, zeros, and `fib(n) mod 2^64` big-endian in
//! bytes 24..32. No precompile is called, so every run of it can be proved today.
#![no_std]
#![no_main]

guest_runtime::entry!(main);

fn main() {
    let n: u32 = guest_runtime::io::read();
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        let next = a.wrapping_add(b);
        a = b;
        b = next;
    }
    let mut word = [0u8; 32];
    word[..8].copy_from_slice(&u64::from(n).to_be_bytes());
    word[24..].copy_from_slice(&a.to_be_bytes());
    guest_runtime::io::commit_bytes(&word);
}
