//! `prover-service conformance` on the execution-spec-tests fixtures in
//! `../shared/fixtures`: every valid case passes, and every invalid block is rejected
//! with the right kind of error, natively and in the `block-validator` guest (all of
//! them: the whole VM run takes about half a minute).
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use std::path::PathBuf;
use std::process::Command;

fn fixtures(kind: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures").join(kind)
}

fn conformance(kind: &str, vm: bool) -> serde_json::Value {
    let mut command = Command::new(env!("CARGO_BIN_EXE_prover-service"));
    command.args(["conformance", "--json"]).arg(fixtures(kind));
    if vm {
        command.arg("--vm");
    }
    let out = command.output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let failures: Vec<String> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == false)
        .map(|c| format!("{}: {}", c["name"], c["reason"]))
        .collect();
    assert!(failures.is_empty(), "{} failing cases:\n{}", failures.len(), failures.join("\n"));
    assert!(out.status.success());
    report
}

fn cases(report: &serde_json::Value) -> &Vec<serde_json::Value> {
    report["cases"].as_array().unwrap()
}

/// Each case's guest cycles: one entry per block that ran in the VM.
fn cycles_per_case(report: &serde_json::Value) -> Vec<usize> {
    cases(report).iter().map(|c| c["cycles"].as_array().map_or(0, Vec::len)).collect()
}

#[test]
fn every_valid_fixture_block_validates_natively() {
    let report = conformance("blockchain_tests", false);
    assert_eq!(report["passed"], 336);
    let blocks: u64 = cases(&report).iter().map(|c| c["blocks"].as_u64().unwrap()).sum();
    assert_eq!(blocks, 359);
    assert!(cycles_per_case(&report).iter().all(|&n| n == 0), "no VM without --vm");
}

#[test]
fn every_valid_fixture_block_validates_in_the_guest_as_natively() {
    let report = conformance("blockchain_tests", true);
    assert_eq!(report["passed"], 336);
    let in_vm: usize = cycles_per_case(&report).iter().sum();
    assert_eq!(in_vm, 359);
}

#[test]
fn every_invalid_fixture_block_is_rejected_with_its_kind_of_error_in_the_guest_too() {
    let report = conformance("invalid_blocks", true);
    assert_eq!(report["passed"], 30);
    for case in cases(&report) {
        let blocks = case["blocks"].as_u64().unwrap() as usize;
        assert_eq!(case["cycles"].as_array().map_or(0, Vec::len), blocks, "{}", case["name"]);
    }
}

#[test]
fn every_invalid_fixture_block_is_rejected_with_its_kind_of_error() {
    let report = conformance("invalid_blocks", false);
    assert_eq!(report["passed"], 30);
    let invalid: u64 = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["invalid_blocks"].as_u64().unwrap())
        .sum();
    assert!(invalid >= 30, "{invalid} invalid blocks");
}

#[test]
fn a_missing_fixture_directory_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_prover-service"))
        .args(["conformance", "/nonexistent/fixtures"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/fixtures"));
}

/// A block with one EIP-7702 transaction carrying one authorization, profiled in the
/// guest: both the sender and the authority recover through the syscall, and every
/// cycle is charged to exactly one class.
#[test]
fn the_guest_profile_accounts_for_every_cycle_and_recovers_through_the_syscall() {
    let fixture =
        fixtures("blockchain_tests/prague/eip7702_set_code_tx/test_self_sponsored_set_code.json");
    let out = Command::new(env!("CARGO_BIN_EXE_prover-service"))
        .args(["conformance", "--vm", "--profile", "--json"])
        .arg(fixture)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for case in cases(&report) {
        let profiles = case["profiles"].as_array().unwrap();
        assert_eq!(profiles.len(), case["blocks"].as_u64().unwrap() as usize);
        for profile in profiles {
            let classes = profile["classes"].as_array().unwrap();
            let names: Vec<&str> = classes.iter().map(|c| c[0].as_str().unwrap()).collect();
            assert_eq!(names, ["keccak", "secp256k1", "trie", "precompiles", "evm", "other"]);
            let charged: u64 = classes.iter().map(|c| c[1].as_u64().unwrap()).sum();
            assert_eq!(charged, profile["cycles"].as_u64().unwrap());
            assert_eq!(profile["syscalls"]["secp256k1_recover"], 2, "{}", case["name"]);
            // With the syscall, recovery is a few thousand cycles, not millions.
            assert!(classes[1][1].as_u64().unwrap() < 10_000, "{profile}");
        }
    }
}

#[test]
fn profiling_needs_the_vm() {
    let out = Command::new(env!("CARGO_BIN_EXE_prover-service"))
        .args(["conformance", "--profile"])
        .arg(fixtures("invalid_blocks"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--vm"));
}
