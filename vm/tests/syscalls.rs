//! Syscalls exercised directly from assembled programs: SECP256K1_RECOVER (success and
//! failure), KECCAK_PERMUTE, COMMIT and LOG, in fast and trace mode.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

mod support;

use abi::syscall::{COMMIT, KECCAK_PERMUTE, LOG, SECP256K1_RECOVER};
use k256::ecdsa::SigningKey;
use support::asm::Asm;
use vm::trace::PrecompileCall;
use vm::Opcode::*;
use vm::{Executor, ExecutorConfig};

const IN: u32 = 0x2_0000;
const OUT: u32 = 0x2_1000;

fn words(bytes: &[u8]) -> Vec<u32> {
    bytes.chunks(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

fn data_at(addr: u32, bytes: &[u8]) -> Vec<(u32, u32)> {
    words(bytes).into_iter().enumerate().map(|(i, w)| (addr + 4 * i as u32, w)).collect()
}

/// `ecall` with t0 = number, a0, a1; the result a0 is saved in x20.
fn call(number: u32, a0: u32, a1: u32) -> Asm {
    let mut asm = Asm::new();
    asm.li(5, number).li(10, a0).li(11, a1).op(Ecall, 0, 0, 0, 0).op(Addi, 20, 10, 0, 0).halt();
    asm
}

fn recover_input(v: u8, corrupt_r: bool) -> (Vec<u8>, Vec<u8>) {
    let key = SigningKey::from_slice(&[0x11; 32]).unwrap();
    let hash = [0x5au8; 32];
    let (sig, recid) = key.sign_prehash_recoverable(&hash).unwrap();
    let mut input = hash.to_vec();
    input.extend_from_slice(&sig.to_bytes());
    if corrupt_r {
        input[32..64].fill(0);
    }
    input.extend_from_slice(&[recid.to_byte() ^ v, 0, 0, 0]);
    let public = key.verifying_key().to_encoded_point(false).as_bytes()[1..].to_vec();
    (input, public)
}

fn run(asm: &Asm, data: &[(u32, u32)]) -> (Executor, Vec<vm::SegmentRecord>) {
    let program = asm.program(data);
    let mut traced = Executor::new(&program, vec![], ExecutorConfig::default()).unwrap();
    let (_, segments) = traced.run_traced().unwrap();
    let mut fast = Executor::new(&program, vec![], ExecutorConfig::default()).unwrap();
    fast.run_fast().unwrap();
    assert_eq!(fast.registers(), traced.registers());
    (fast, segments)
}

#[test]
fn secp256k1_recover_writes_the_public_key() {
    let (input, public) = recover_input(0, false);
    let (machine, segments) = run(&call(SECP256K1_RECOVER, IN, OUT), &data_at(IN, &input));
    assert_eq!(machine.registers()[20], 1);
    assert_eq!(machine.read_memory(OUT, 64).unwrap(), public);
    let calls = &segments[0].precompile_calls;
    assert_eq!(calls, &[PrecompileCall::Secp256k1Recover { input, output: Some(public) }]);
}

#[test]
fn secp256k1_recover_reports_failure_with_zeros() {
    let (input, _) = recover_input(0, true);
    // Pre-fill the output so the zeros are visibly written.
    let mut data = data_at(IN, &input);
    data.extend((0..16).map(|i| (OUT + 4 * i, 0xffff_ffff)));
    let (machine, segments) = run(&call(SECP256K1_RECOVER, IN, OUT), &data);
    assert_eq!(machine.registers()[20], 0);
    assert_eq!(machine.read_memory(OUT, 64).unwrap(), vec![0; 64]);
    assert!(matches!(
        &segments[0].precompile_calls[..],
        [PrecompileCall::Secp256k1Recover { output: None, .. }]
    ));
    // The wrong parity recovers a different key.
    let (input, public) = recover_input(1, false);
    let (machine, _) = run(&call(SECP256K1_RECOVER, IN, OUT), &data_at(IN, &input));
    assert_ne!(machine.read_memory(OUT, 64).unwrap(), public);
}

#[test]
fn keccak_permute_transforms_the_state_in_place() {
    let (machine, segments) = run(&call(KECCAK_PERMUTE, IN, 0), &[]);
    let mut expected = [0u64; 25];
    vm::precompiles::keccak_permute(&mut expected);
    let bytes: Vec<u8> = expected.iter().flat_map(|l| l.to_le_bytes()).collect();
    assert_eq!(machine.read_memory(IN, 200).unwrap(), bytes);
    // One ecall row plus 50 data rows.
    let ecall = segments[0].events.iter().find(|e| e.rows > 1).unwrap();
    assert_eq!(ecall.rows, 51);
}

#[test]
fn commit_appends_to_the_output_and_log_does_not() {
    let text = b"hello from the guest";
    let mut data = data_at(IN, b"abcdefgh");
    data.extend(data_at(OUT, &[text.as_slice(), &[0u8; 4]].concat()));
    let mut asm = Asm::new();
    asm.li(5, COMMIT).li(10, IN).li(11, 8).op(Ecall, 0, 0, 0, 0);
    asm.li(5, LOG).li(10, OUT).li(11, text.len() as u32).op(Ecall, 0, 0, 0, 0).halt();
    let program = asm.program(&data);
    let mut machine = Executor::new(&program, vec![], ExecutorConfig::default()).unwrap();
    let summary = machine.run_fast().unwrap();
    assert_eq!(summary.output, b"abcdefgh");
    assert_eq!(summary.logs, ["hello from the guest"]);
    assert_eq!((summary.syscalls.commit, summary.syscalls.log), (1, 1));
    // COMMIT of 8 bytes takes 1 + 2 rows.
    assert_eq!(summary.cycles, summary.instructions + 2);
}
