//! Reads `n: u32` and commits `(n, fib(n) mod 2^64)`.
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
    guest_runtime::io::commit(&(n, a));
}
