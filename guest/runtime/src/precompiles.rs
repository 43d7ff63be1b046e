//! Hash and signature functions backed by the precompile syscalls.

use abi::syscall::KECCAK_STATE_LANES;

use crate::syscall;

/// Bytes absorbed per keccak-f call by keccak-256 (1600 − 2·256 bits).
const KECCAK256_RATE: usize = 136;

/// Applies keccak-f\[1600\] to `state` in place through the `KECCAK_PERMUTE` syscall.
pub fn keccak_permute(state: &mut [u64; KECCAK_STATE_LANES]) {
    syscall::keccak_permute(state);
}

/// Keccak-256 (Ethereum's hash: the original keccak padding `0x01 … 0x80`), one
/// `KECCAK_PERMUTE` syscall per 136-byte block.
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    let mut state = [0u64; KECCAK_STATE_LANES];
    let mut blocks = data.chunks_exact(KECCAK256_RATE);
    for block in &mut blocks {
        absorb(&mut state, block);
        keccak_permute(&mut state);
    }
    // The last, partial block and its padding go straight into the state: no padded
    // copy to zero and fill.
    let tail = blocks.remainder();
    absorb(&mut state, tail);
    let mut last = 0u64;
    for (i, byte) in tail.chunks_exact(8).remainder().iter().enumerate() {
        last |= u64::from(*byte) << (8 * i);
    }
    last |= 0x01 << (8 * (tail.len() % 8));
    state[tail.len() / 8] ^= last;
    state[KECCAK256_RATE / 8 - 1] ^= 0x80 << 56;
    keccak_permute(&mut state);
    let mut out = [0u8; 32];
    for (chunk, lane) in out.chunks_exact_mut(8).zip(state) {
        chunk.copy_from_slice(&lane.to_le_bytes());
    }
    out
}

/// XORs the whole 8-byte lanes of `block` into `state`.
fn absorb(state: &mut [u64; KECCAK_STATE_LANES], block: &[u8]) {
    for (lane, bytes) in state.iter_mut().zip(block.chunks_exact(8)) {
        let mut word = [0u8; 8];
        word.copy_from_slice(bytes);
        *lane ^= u64::from_le_bytes(word);
    }
}

/// Recovers the uncompressed public key (x ‖ y, without the `0x04` prefix) that signed
/// `hash` with signature `r ‖ s` and recovery id `recid` (0 or 1), through the
/// `SECP256K1_RECOVER` syscall. `None` if the signature is invalid.
pub fn secp256k1_recover(hash: &[u8; 32], signature: &[u8; 64], recid: u8) -> Option<[u8; 64]> {
    let mut bytes = [0u8; 100];
    bytes[..32].copy_from_slice(hash);
    bytes[32..96].copy_from_slice(signature);
    bytes[96] = recid;
    let mut input = [0u32; 25];
    for (word, chunk) in input.iter_mut().zip(bytes.chunks_exact(4)) {
        *word = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
    }
    let mut output = [0u32; 16];
    if !syscall::secp256k1_recover(&input, &mut output) {
        return None;
    }
    let mut key = [0u8; 64];
    for (chunk, word) in key.chunks_exact_mut(4).zip(output) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    Some(key)
}

/// The hook that alloy-primitives' `native-keccak` feature calls for every
/// `keccak256`: with it, revm's KECCAK256 opcode, alloy-trie's node hashing and every
/// transaction, receipt and header hash of a guest go through `KECCAK_PERMUTE`.
///
/// # Safety
///
/// `bytes` must point to `len` readable bytes and `output` to 32 writable bytes.
#[no_mangle]
pub unsafe extern "C" fn native_keccak256(bytes: *const u8, len: usize, output: *mut u8) {
    // SAFETY: the caller guarantees both buffers (alloy-primitives passes a slice and a
    // `B256`).
    let (data, out) = unsafe {
        (core::slice::from_raw_parts(bytes, len), core::slice::from_raw_parts_mut(output, 32))
    };
    out.copy_from_slice(&keccak256(data));
}
