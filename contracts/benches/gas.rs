//! `make bench-gas`: what a proof costs on L1, measured on anvil with the committed real
//! proof. Prints the gas of `submitBlockProof` (the verifier call, the rollup's checks,
//! storage and event), the gas of calling the verifier alone, the calldata's share of
//! each, the verifier's runtime bytecode size and the calldata sizes.
#![allow(clippy::unwrap_used, missing_docs)]

use alloy_primitives::hex;
use contracts::artifacts::{self, MAX_RUNTIME_BYTES};
use contracts::fixture;
use contracts::rollup::{deploy_code, program_id_word};
use serde_json::{json, Value};
use testkit::anvil::{parse_u64, Anvil};

const GAS: &str = "0x1c9c380";

fn data(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// EIP-2028 calldata gas: 16 a non-zero byte, 4 a zero byte.
fn calldata_gas(bytes: &[u8]) -> u64 {
    bytes.iter().map(|b| if *b == 0 { 4 } else { 16 }).sum()
}

async fn send(anvil: &Anvil, tx: Value) -> Value {
    let receipt = anvil.send(tx).await;
    assert_eq!(receipt["status"], "0x1", "reverted");
    receipt
}

#[tokio::main]
async fn main() {
    let proof = fixture::proof().unwrap();
    let pv = fixture::public_values();
    let calldata = contracts::submit_calldata(&pv, &proof).unwrap();
    let anvil = Anvil::start().await;

    let verifier = artifacts::verifier().unwrap();
    let deployed = send(&anvil, json!({"data": data(&verifier.bytecode), "gas": GAS})).await;
    let verifier_address = deployed["contractAddress"].as_str().unwrap().to_string();
    let code = deploy_code(
        &artifacts::rollup().unwrap(),
        &fixture::genesis(),
        program_id_word(&proof),
        verifier_address.parse().unwrap(),
    );
    let rollup = send(&anvil, json!({"data": data(&code), "gas": GAS})).await;
    let rollup_address = rollup["contractAddress"].as_str().unwrap().to_string();

    let direct =
        send(&anvil, json!({"to": verifier_address, "data": data(&proof.calldata), "gas": GAS}))
            .await;
    let submitted =
        send(&anvil, json!({"to": rollup_address, "data": data(&calldata), "gas": GAS})).await;
    let direct_gas = parse_u64(&direct["gasUsed"]);
    let submit_gas = parse_u64(&submitted["gasUsed"]);

    println!("L1 cost of one proof (anvil, Cancun, the committed fixture: {} segment(s), wrapper k = {})", proof.segments, fixture::wrapper_vk().unwrap().config.degree);
    println!(
        "  submitBlockProof           {submit_gas:>9} gas  (calldata {} gas, 21000 base)",
        calldata_gas(&calldata)
    );
    println!(
        "  verifier alone             {direct_gas:>9} gas  (calldata {} gas, 21000 base)",
        calldata_gas(&proof.calldata)
    );
    println!(
        "  rollup over the verifier   {:>9} gas  (checks, digest, storage, event)",
        submit_gas.saturating_sub(direct_gas)
    );
    println!(
        "  verifier runtime bytecode  {:>9} bytes (EIP-170 limit {MAX_RUNTIME_BYTES})",
        verifier.deployed_bytecode.len()
    );
    println!("  verifier deployment        {:>9} gas", parse_u64(&deployed["gasUsed"]));
    println!(
        "  rollup runtime bytecode    {:>9} bytes",
        artifacts::rollup().unwrap().deployed_bytecode.len()
    );
    println!("  submitBlockProof calldata  {:>9} bytes", calldata.len());
    println!(
        "  verifier calldata          {:>9} bytes (15 public inputs, proof {} bytes)",
        proof.calldata.len(),
        proof.proof.len()
    );
}
