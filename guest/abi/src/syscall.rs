//! Syscall numbers and calling convention.
//!
//! A guest invokes a syscall with `ecall`, the syscall number in `t0` (x5), arguments in
//! `a0..a3` (x10..x13) and results in `a0..a1`. Pointers passed to `READ`, `COMMIT` and the
//! precompiles must be word aligned and lengths must be multiples of four bytes, so that
//! every memory access a syscall makes is one whole word.

/// Register index of `t0`, which carries the syscall number.
pub const REG_SYSCALL: usize = 5;
/// Register index of `a0`, the first argument and first result.
pub const REG_A0: usize = 10;
/// Register index of `a1`, the second argument.
pub const REG_A1: usize = 11;

/// `HALT(exit_code)`: stop the machine. Exit code 0 means success.
pub const HALT: u32 = 0;
/// `READ(ptr, len)`: copy the next `len` bytes of the input stream to `ptr`.
pub const READ: u32 = 1;
/// `COMMIT(ptr, len)`: append `len` bytes at `ptr` to the public output.
pub const COMMIT: u32 = 2;
/// `LOG(ptr, len)`: print UTF-8 debug text. Not part of the proven statement.
pub const LOG: u32 = 3;
/// `KECCAK_PERMUTE(ptr)`: apply keccak-f\[1600\] in place to 25 little-endian `u64` lanes.
pub const KECCAK_PERMUTE: u32 = 0x100;
/// `SECP256K1_RECOVER(in_ptr, out_ptr)`: recover a secp256k1 public key.
///
/// `in_ptr` points to [`SECP256K1_RECOVER_INPUT_BYTES`] bytes: the 32-byte message hash,
/// the 32-byte big-endian `r`, the 32-byte big-endian `s` and the recovery id `v` (0 or 1)
/// as a little-endian word. On success the 64-byte uncompressed public key (x ‖ y, big
/// endian, without the `0x04` prefix) is written to `out_ptr` and `a0` is set to 1; on
/// failure 64 zero bytes are written and `a0` is set to 0.
pub const SECP256K1_RECOVER: u32 = 0x101;

/// Size of the `SECP256K1_RECOVER` input record in bytes.
pub const SECP256K1_RECOVER_INPUT_BYTES: usize = 100;
/// Size of the `SECP256K1_RECOVER` output record in bytes.
pub const SECP256K1_RECOVER_OUTPUT_BYTES: usize = 64;
/// Number of 64-bit lanes in a keccak-f\[1600\] state.
pub const KECCAK_STATE_LANES: usize = 25;

/// The largest number of bytes a single `READ` or `COMMIT` call may move. The runtime
/// splits larger transfers, so that one syscall never needs more rows than a segment has.
pub const MAX_IO_CHUNK_BYTES: usize = 1024;

/// Exit code with which the runtime halts when the guest panics.
pub const EXIT_PANIC: u32 = 101;
