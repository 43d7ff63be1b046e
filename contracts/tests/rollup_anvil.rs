//! `Rollup.sol` and the generated verifier on a real node: anvil as L1. The verifier and
//! a rollup are deployed by transactions, the committed real proof is submitted, the
//! stored head and the `BlockProven` log are read back, and every wrong submission
//! (another program, a wrong parent, a replay, a gap, a tampered proof byte, a tampered
//! public value, ...) reverts on chain with its custom error.
#![allow(clippy::unwrap_used)]

mod support;

use alloy_primitives::{hex, B256};
use alloy_sol_types::{SolCall, SolEvent, SolInterface};
use contracts::artifacts::{self, MAX_RUNTIME_BYTES};
use contracts::rollup::{deploy_code, Genesis, Rollup};
use serde_json::{json, Value};
use testkit::anvil::{parse_u64, Anvil};

/// Gas given to every transaction, so that anvil mines reverting ones too.
const GAS: &str = "0x1c9c380";

fn data(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn bytes_of(value: &Value) -> Vec<u8> {
    hex::decode(value.as_str().unwrap().trim_start_matches("0x")).unwrap()
}

async fn deploy(anvil: &Anvil, init_code: &[u8]) -> String {
    let receipt = anvil.send(json!({"data": data(init_code), "gas": GAS})).await;
    assert_eq!(receipt["status"], "0x1", "deployment reverted");
    receipt["contractAddress"].as_str().unwrap().to_string()
}

async fn view<C: SolCall>(anvil: &Anvil, to: &str, call: &C) -> C::Return {
    let out = anvil
        .rpc("eth_call", json!([{"to": to, "data": data(&call.abi_encode())}, "latest"]))
        .await;
    C::abi_decode_returns(&bytes_of(&out)).unwrap()
}

async fn head(anvil: &Anvil, rollup: &str) -> (u64, B256, B256) {
    (
        view(anvil, rollup, &Rollup::lastBlockNumberCall {}).await,
        view(anvil, rollup, &Rollup::lastBlockHashCall {}).await,
        view(anvil, rollup, &Rollup::lastStateRootCall {}).await,
    )
}

/// Submits `calldata`, expecting a revert: the error `eth_call` decodes, after checking
/// that the mined transaction failed too.
async fn rejected(anvil: &Anvil, rollup: &str, calldata: &[u8]) -> Rollup::RollupErrors {
    let error = anvil
        .request("eth_call", json!([{"to": rollup, "data": data(calldata)}, "latest"]))
        .await
        .unwrap_err();
    let decoded = Rollup::RollupErrors::abi_decode(&bytes_of(&error["data"])).unwrap();
    let receipt = anvil.send(json!({"to": rollup, "data": data(calldata), "gas": GAS})).await;
    assert_eq!(receipt["status"], "0x0", "mined as a success");
    decoded
}

async fn rollup(anvil: &Anvil, verifier: &str, genesis: &Genesis, program_id: B256) -> String {
    let code =
        deploy_code(&artifacts::rollup().unwrap(), genesis, program_id, verifier.parse().unwrap());
    deploy(anvil, &code).await
}

#[tokio::test]
async fn on_anvil_a_real_proof_is_accepted_and_every_wrong_submission_reverts() {
    let f = support::load();
    let anvil = Anvil::start().await;
    let verifier = deploy(&anvil, &artifacts::verifier().unwrap().bytecode).await;
    let code = bytes_of(&anvil.rpc("eth_getCode", json!([verifier, "latest"])).await);
    assert!(!code.is_empty() && code.len() <= MAX_RUNTIME_BYTES, "{} bytes", code.len());

    let rollup_address = rollup(&anvil, &verifier, &f.genesis, f.program_id).await;
    assert_eq!(
        head(&anvil, &rollup_address).await,
        (f.genesis.number, f.genesis.hash, f.genesis.state_root)
    );

    let receipt =
        anvil.send(json!({"to": rollup_address, "data": data(&f.calldata()), "gas": GAS})).await;
    assert_eq!(receipt["status"], "0x1", "the real proof was rejected");
    let pv = &f.public_values;
    assert_eq!(head(&anvil, &rollup_address).await, (pv.blockNumber, pv.blockHash, pv.stateRoot));
    let logs = receipt["logs"].as_array().unwrap();
    assert_eq!(logs.len(), 1);
    let topics: Vec<B256> = logs[0]["topics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().parse().unwrap())
        .collect();
    let event = Rollup::BlockProven::decode_raw_log(topics, &bytes_of(&logs[0]["data"])).unwrap();
    assert_eq!(
        (event.number, event.blockHash, event.stateRoot),
        (pv.blockNumber, pv.blockHash, pv.stateRoot)
    );
    eprintln!("submitBlockProof on anvil: {} gas", parse_u64(&receipt["gasUsed"]));

    assert_eq!(
        rejected(&anvil, &rollup_address, &f.calldata()).await,
        Rollup::RollupErrors::BlockAlreadyProven(Rollup::BlockAlreadyProven {
            lastAccepted: pv.blockNumber,
            found: pv.blockNumber
        }),
        "a replay"
    );

    for case in support::rejections(&f) {
        let address = rollup(&anvil, &verifier, &case.genesis, case.program_id).await;
        let before = head(&anvil, &address).await;
        assert_eq!(
            rejected(&anvil, &address, &case.calldata).await,
            case.expected,
            "{}",
            case.name
        );
        assert_eq!(head(&anvil, &address).await, before, "{}", case.name);
    }
}
