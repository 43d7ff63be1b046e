//! The committed verifier is what the code generates for the committed wrapper key (the
//! drift check), that key verifies the committed proof natively, and compiling the
//! contracts again gives the artifacts this build embedded (reproducible builds).
#![allow(clippy::unwrap_used)]

use std::process::Command;

use contracts::{artifacts, fixture};
use prover::snark::{check_accumulator, verify_evm};

#[test]
fn the_committed_verifier_is_generated_from_the_committed_key() {
    let key = fixture::wrapper_vk().unwrap();
    let generated = fixture::generated_verifier(&key).unwrap();
    let committed = fixture::committed_verifier().unwrap();
    assert!(
        generated == committed,
        "solidity/Halo2Verifier.sol is not what the code generates for fixtures/wrapper-vk.json: run `make contracts-fixture`"
    );
}

#[test]
fn the_committed_key_verifies_the_committed_proof() {
    let key = fixture::wrapper_vk().unwrap();
    let proof = fixture::proof().unwrap();
    assert_eq!(proof.segments, key.segments, "the key is for another tree shape");
    let params = circuits::params::dev_verifier_params(key.config.degree);
    let vk = key.verifying_key().unwrap();
    let instances = proof.public_inputs.to_vec();
    verify_evm(&params, &vk, &instances, &proof.proof).unwrap();
    check_accumulator(&params, &instances).unwrap();
    assert_eq!(proof.output.0, fixture::public_values().commitment().0);

    let mut flipped = proof.proof;
    flipped[64] ^= 1;
    assert!(verify_evm(&params, &vk, &instances, &flipped).is_err());
}

#[test]
fn compiling_again_gives_the_embedded_artifacts() {
    let dir = tempfile::tempdir().unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("compile.js");
    let status = Command::new("node").arg(script).arg(dir.path()).status().unwrap();
    assert!(status.success());
    for artifact in [artifacts::rollup().unwrap(), artifacts::verifier().unwrap()] {
        let json =
            std::fs::read_to_string(dir.path().join(format!("{}.json", artifact.name))).unwrap();
        let again: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(again["bytecode"], hex::encode(&artifact.bytecode), "{}", artifact.name);
        assert_eq!(
            again["deployedBytecode"],
            hex::encode(&artifact.deployed_bytecode),
            "{}",
            artifact.name
        );
        assert_eq!(again["abi"], artifact.abi, "{}", artifact.name);
    }
}
