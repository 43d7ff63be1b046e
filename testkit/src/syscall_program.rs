//! An assembled program that makes every syscall: READ, COMMIT (of a length that leaves a
//! short chain element), KECCAK_PERMUTE, SECP256K1_RECOVER (one valid and one invalid
//! signature), LOG and HALT, for tests that need each syscall's rows in a trace.

use abi::syscall::{COMMIT, KECCAK_PERMUTE, LOG, READ, SECP256K1_RECOVER};
use k256::ecdsa::SigningKey;
use vm::encode::Asm;
use vm::{Opcode, Program};

/// Where the READ buffer, the keccak state and the secp records live.
const BUFFER: u32 = 0x2_0000;
const STATE: u32 = 0x2_0400;
const SECP_IN: u32 = 0x2_0800;
const SECP_BAD: u32 = 0x2_0900;
const SECP_OUT: u32 = 0x2_0a00;
/// Bytes the program reads and then commits (five words).
const IO_BYTES: u32 = 20;

fn words_at(addr: u32, bytes: &[u8]) -> Vec<(u32, u32)> {
    bytes
        .chunks_exact(4)
        .enumerate()
        .map(|(i, c)| (addr + 4 * i as u32, u32::from_le_bytes([c[0], c[1], c[2], c[3]])))
        .collect()
}

/// A signed SECP256K1_RECOVER input record (hash ‖ r ‖ s ‖ v).
fn signed_record() -> Vec<u8> {
    let hash = [0x5au8; 32];
    let mut record = hash.to_vec();
    // A fixed key and RFC 6979 signing make this deterministic; they cannot fail.
    if let Ok(key) = SigningKey::from_slice(&[0x11; 32]) {
        if let Ok((signature, recovery)) = key.sign_prehash_recoverable(&hash) {
            record.extend_from_slice(&signature.to_bytes());
            record.extend_from_slice(&[recovery.to_byte(), 0, 0, 0]);
        }
    }
    record.resize(abi::syscall::SECP256K1_RECOVER_INPUT_BYTES, 0);
    record
}

fn call(asm: &mut Asm, number: u32, a0: u32, a1: u32) {
    asm.li(5, number).li(10, a0).li(11, a1).op(Opcode::Ecall, 0, 0, 0, 0);
}

/// The program and the input it reads.
pub fn program() -> (Program, Vec<u8>) {
    let mut asm = Asm::new();
    call(&mut asm, READ, BUFFER, IO_BYTES);
    call(&mut asm, COMMIT, BUFFER, IO_BYTES);
    call(&mut asm, KECCAK_PERMUTE, STATE, 0);
    call(&mut asm, SECP256K1_RECOVER, SECP_IN, SECP_OUT);
    call(&mut asm, SECP256K1_RECOVER, SECP_BAD, SECP_OUT);
    call(&mut asm, LOG, BUFFER, 4);
    call(&mut asm, COMMIT, SECP_OUT, 8);
    asm.halt();

    let state: Vec<u8> = (0..200u32).map(|i| (i * 7 + 3) as u8).collect();
    let good = signed_record();
    let mut bad = good.clone();
    bad[32..64].fill(0); // r = 0: recovery fails
    let mut data = words_at(STATE, &state);
    data.extend(words_at(SECP_IN, &good));
    data.extend(words_at(SECP_BAD, &bad));
    let input: Vec<u8> = (0..IO_BYTES).map(|i| (0xa0 + i) as u8).collect();
    (asm.program(&data), input)
}
