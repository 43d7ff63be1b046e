//! Runs revm inside the guest: deploys a small contract from an in-memory database,
//! calls it with the 32-byte word read from the input, and commits the return data.
//!
//! The contract stores its calldata word in slot 0 and returns `keccak256(word)`.
#![no_std]
#![no_main]

extern crate alloc;

use revm::context::{Context, TxEnv};
use revm::database::InMemoryDB;
use revm::primitives::{address, Address, Bytes, U256};
use revm::state::AccountInfo;
use revm::{ExecuteCommitEvm, MainBuilder, MainContext};

guest_runtime::entry!(main);

const CALLER: Address = address!("0x1000000000000000000000000000000000000001");

/// Init code: copy the 23-byte runtime (at offset 12) to memory and return it.
const INIT_CODE: &[u8] = &[
    0x60, 0x17, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, 0x17, 0x60, 0x00, 0xf3,
    // Runtime: x = calldataload(0); sstore(0, x); mstore(0, x);
    // mstore(0, keccak256(0, 32)); return(0, 32)
    0x60, 0x00, 0x35, 0x80, 0x60, 0x00, 0x55, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0x20, 0x60,
    0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3,
];

fn main() {
    let word = guest_runtime::io::read_bytes();
    assert_eq!(word.len(), 32, "input must be one 32-byte word");

    let mut db = InMemoryDB::default();
    let balance = U256::from(10u64).pow(U256::from(18u64));
    db.insert_account_info(CALLER, AccountInfo { balance, ..Default::default() });
    let mut evm = Context::mainnet().with_db(db).build_mainnet();

    let deploy = TxEnv::builder()
        .caller(CALLER)
        .create()
        .data(Bytes::from_static(INIT_CODE))
        .gas_limit(1_000_000)
        .nonce(0)
        .build()
        .expect("valid deploy transaction");
    let deployed = evm.transact_commit(deploy).expect("deployment executes");
    let contract = deployed.created_address().expect("contract created");

    let call = TxEnv::builder()
        .caller(CALLER)
        .call(contract)
        .data(Bytes::from(word))
        .gas_limit(1_000_000)
        .nonce(1)
        .build()
        .expect("valid call transaction");
    let result = evm.transact_commit(call).expect("call executes");
    assert!(result.is_success(), "call succeeds");
    let output = result.into_output().expect("call returns data");
    guest_runtime::io::commit_bytes(&output);
}
