//! Raw syscalls: `ecall` with the number in `t0` and arguments in `a0`, `a1`.

use abi::syscall::{COMMIT, HALT, KECCAK_PERMUTE, LOG, READ, SECP256K1_RECOVER};

/// Stops the machine with `code` (0 = success).
pub fn halt(code: u32) -> ! {
    // SAFETY: HALT never returns and touches no memory.
    unsafe {
        core::arch::asm!("ecall", in("t0") HALT, in("a0") code, options(noreturn, nostack));
    }
}

/// Fills `words` from the input stream. Halts the machine with an error if the input
/// is shorter. `words.len() * 4` must not exceed [`abi::syscall::MAX_IO_CHUNK_BYTES`].
pub fn read_words(words: &mut [u32]) {
    // SAFETY: the executor writes exactly `4 * len` bytes to the aligned buffer.
    unsafe {
        core::arch::asm!("ecall", in("t0") READ, in("a0") words.as_mut_ptr(),
            in("a1") words.len() * 4, options(nostack));
    }
}

/// Appends `words` to the public output. `words.len() * 4` must not exceed
/// [`abi::syscall::MAX_IO_CHUNK_BYTES`].
pub fn commit_words(words: &[u32]) {
    // SAFETY: the executor only reads the aligned buffer.
    unsafe {
        core::arch::asm!("ecall", in("t0") COMMIT, in("a0") words.as_ptr(),
            in("a1") words.len() * 4, options(nostack, readonly));
    }
}

/// Prints debug text through the host (not part of the proven statement).
pub fn log(text: &[u8]) {
    // SAFETY: the executor only reads the buffer.
    unsafe {
        core::arch::asm!("ecall", in("t0") LOG, in("a0") text.as_ptr(), in("a1") text.len(),
            options(nostack, readonly));
    }
}

/// Applies keccak-f\[1600\] to `state` in place.
pub fn keccak_permute(state: &mut [u64; 25]) {
    // SAFETY: the executor reads and writes exactly the 200 aligned bytes of `state`.
    unsafe {
        core::arch::asm!("ecall", in("t0") KECCAK_PERMUTE, in("a0") state.as_mut_ptr(),
            options(nostack));
    }
}

/// Recovers a secp256k1 public key; see [`abi::syscall::SECP256K1_RECOVER`].
pub fn secp256k1_recover(input: &[u32; 25], output: &mut [u32; 16]) -> bool {
    let ok: u32;
    // SAFETY: the executor reads `input` and writes `output`, both aligned and in bounds.
    unsafe {
        core::arch::asm!("ecall", in("t0") SECP256K1_RECOVER, inlateout("a0") input.as_ptr() => ok,
            in("a1") output.as_mut_ptr(), options(nostack));
    }
    ok == 1
}
