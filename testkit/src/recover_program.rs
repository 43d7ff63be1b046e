//! An assembled program that makes many SECP256K1_RECOVER calls (valid signatures, with
//! every third one broken in a different way) and then COMMITs one 32-byte digest (the
//! first recovered key's x), so that a run of it can be proved and its secp chain linked.

use abi::syscall::{COMMIT, SECP256K1_RECOVER, SECP256K1_RECOVER_INPUT_BYTES};
use k256::ecdsa::SigningKey;
use vm::encode::Asm;
use vm::{Opcode, Program};

/// Where the input records and the recovered keys live.
const INPUTS: u32 = 0x4_0000;
const OUTPUTS: u32 = 0x8_0000;
/// Bytes between two input records (100, rounded up).
const RECORD: u32 = 128;

/// The input record of call `i`: a signature by key `i + 1` over hash `i`, broken for
/// every third call (r = 0, then a recovery id of 7, then s = 0, in turn).
pub fn record(i: usize) -> Vec<u8> {
    let hash = [i as u8; 32];
    let mut record = hash.to_vec();
    let secret = [(i % 250) as u8 + 1; 32];
    if let Ok(key) = SigningKey::from_slice(&secret) {
        if let Ok((signature, recovery)) = key.sign_prehash_recoverable(&hash) {
            record.extend_from_slice(&signature.to_bytes());
            record.extend_from_slice(&[recovery.to_byte(), 0, 0, 0]);
        }
    }
    record.resize(SECP256K1_RECOVER_INPUT_BYTES, 0);
    if i % 3 == 2 {
        match (i / 3) % 3 {
            0 => record[32..64].fill(0),
            1 => record[96] = 7,
            _ => record[64..96].fill(0),
        }
    }
    record
}

/// The program making `calls` recoveries (at least one).
pub fn program(calls: usize) -> Program {
    let mut asm = Asm::new();
    let mut data = Vec::new();
    for i in 0..calls.max(1) {
        let input = INPUTS + RECORD * i as u32;
        let output = OUTPUTS + 64 * i as u32;
        asm.li(5, SECP256K1_RECOVER).li(10, input).li(11, output).op(Opcode::Ecall, 0, 0, 0, 0);
        for (k, chunk) in record(i).chunks_exact(4).enumerate() {
            let word = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
            data.push((input + 4 * k as u32, word));
        }
    }
    asm.li(5, COMMIT).li(10, OUTPUTS).li(11, 32).op(Opcode::Ecall, 0, 0, 0, 0);
    asm.halt();
    asm.program(&data)
}
