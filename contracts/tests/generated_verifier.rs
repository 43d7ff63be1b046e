//! The committed verifier is what the code generates for the committed wrapper key (the
//! drift check), that key verifies the committed proof natively, and compiling the
//! contracts again (from a directory of their own, as an operator compiles an exported
//! verifier) gives the artifacts this build embedded (reproducible builds).
#![allow(clippy::unwrap_used)]

use std::path::Path;
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

/// `compile.js` with the sources in another directory, as an operator compiles an
/// exported verifier.
fn compile(out: &Path, sources: &Path) -> std::process::ExitStatus {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("compile.js");
    Command::new("node").arg(script).arg(out).arg(sources).status().unwrap()
}

#[test]
fn compiling_again_gives_the_embedded_artifacts() {
    let sources = tempfile::tempdir().unwrap();
    let solidity = Path::new(env!("CARGO_MANIFEST_DIR")).join("solidity");
    for file in ["Halo2Verifier.sol", "Rollup.sol"] {
        std::fs::copy(solidity.join(file), sources.path().join(file)).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    assert!(compile(out.path(), sources.path()).success());
    for artifact in [artifacts::rollup().unwrap(), artifacts::verifier().unwrap()] {
        let again = artifacts::read(artifact.name, out.path()).unwrap();
        assert_eq!(again.bytecode, artifact.bytecode, "{}", artifact.name);
        assert_eq!(again.deployed_bytecode, artifact.deployed_bytecode, "{}", artifact.name);
        assert_eq!(again.abi, artifact.abi, "{}", artifact.name);
    }
}

#[test]
fn a_directory_without_sources_or_artifacts_is_refused() {
    let empty = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    assert!(!compile(out.path(), empty.path()).success(), "no .sol file: nothing to compile");
    assert!(matches!(
        artifacts::read("Halo2Verifier", out.path()),
        Err(artifacts::ArtifactError::Io { name: "Halo2Verifier", .. })
    ));
    std::fs::write(out.path().join("Rollup.json"), "{}").unwrap();
    assert!(matches!(
        artifacts::read("Rollup", out.path()),
        Err(artifacts::ArtifactError::Json { name: "Rollup", .. })
    ));
}
