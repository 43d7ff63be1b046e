//! The `prover-service` command line (`execute`, `prove`, `plan`, `prove-part`, `verify`,
//! `calldata`, `export-verifier`) on the example guests, the contracts' fixture and bad
//! input.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use std::process::Command;

fn prover_service() -> Command {
    Command::new(env!("CARGO_BIN_EXE_prover-service"))
}

fn write_elf(dir: &tempfile::TempDir, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.path().join("guest.elf");
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn execute_prints_json_for_fibonacci() {
    let dir = tempfile::tempdir().unwrap();
    let elf = write_elf(&dir, guests::FIBONACCI_ELF);
    let out = prover_service()
        .args(["execute", "--json", "--frame-hex", "0a", "--elf"])
        .arg(&elf)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["exit_code"], 0);
    // postcard (10u32, 55u64), zero padded to a word.
    assert_eq!(report["output_hex"], "0a370000");
    assert_eq!(report["syscalls"]["halt"], 1);
    let program = vm::Program::from_elf(guests::FIBONACCI_ELF).unwrap();
    let id = format!("{:?}", circuits::paging::program_id(&program));
    assert_eq!(report["program_id"], id.as_str());
    assert!(report["cycles"].as_u64().unwrap() > 100);
}

#[test]
fn execute_reads_a_framed_input_file() {
    let dir = tempfile::tempdir().unwrap();
    let elf = write_elf(&dir, guests::KECCAK_ELF);
    let mut input = abi::io::InputBuilder::new();
    input.write_bytes(b"abc").unwrap();
    let input_path = dir.path().join("input.bin");
    std::fs::write(&input_path, input.into_bytes()).unwrap();
    let out = prover_service()
        .args(["execute", "--elf"])
        .arg(&elf)
        .arg("--input")
        .arg(&input_path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        text.contains("0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"),
        "{text}"
    );
}

#[test]
fn bad_input_gets_a_clear_error_and_a_failing_status() {
    let dir = tempfile::tempdir().unwrap();
    let elf = write_elf(&dir, b"\x7fELF garbage");
    let out = prover_service().args(["execute", "--elf"]).arg(&elf).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("malformed ELF file"));

    let out = prover_service().args(["execute", "--elf", "/nonexistent.elf"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("reading ELF /nonexistent.elf"));

    let elf = write_elf(&dir, guests::FIBONACCI_ELF);
    let out = prover_service()
        .args(["execute", "--frame-hex", "zz", "--elf"])
        .arg(&elf)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    // Missing input: the guest reads past the end of its input stream.
    let out = prover_service().args(["execute", "--elf"]).arg(&elf).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("past the end of the input"));

    // A guest that panics halts with a non-zero exit code: the command fails with 1.
    let out =
        prover_service().args(["execute", "--frame-hex", "", "--elf"]).arg(&elf).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("exit code:    101"));
}

#[test]
fn prove_refuses_an_unprovable_output_before_proving() {
    // fibonacci commits a postcard (n, fib(n)), not one 32-byte digest. (A run that calls
    // SECP256K1_RECOVER is refused the same way: `prover/tests/refusals.rs`.)
    let dir = tempfile::tempdir().unwrap();
    let elf = write_elf(&dir, guests::FIBONACCI_ELF);
    let out = prover_service()
        .args(["prove", "--frame-hex", "0a", "--segment-po2", "17", "--elf"])
        .arg(&elf)
        .arg("--out")
        .arg(dir.path().join("proof.json"))
        .arg("--keys-dir")
        .arg(dir.path().join("keys"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("exactly 32 bytes"), "{stderr}");
    assert!(!dir.path().join("proof.json").exists(), "no proof file is written");
}

#[test]
fn plan_lists_the_parts_and_prove_part_refuses_one_the_run_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let elf = write_elf(&dir, guests::FIBONACCI_DIGEST_ELF);
    // postcard 20,000u32: two segments of 2^17 rows.
    let input = ["--frame-hex", "a09c01", "--segment-po2", "17", "--elf"];
    let out = prover_service().arg("plan").args(input).arg(&elf).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["segments"], 2, "{plan:#}");
    let parts: Vec<&str> =
        plan["parts"].as_array().unwrap().iter().map(|p| p["part"].as_str().unwrap()).collect();
    assert_eq!(
        parts,
        ["segment-0", "segment-1", "leaf-0", "leaf-1", "inner-1-0", "root", "wrapper"]
    );
    assert_eq!(plan["parts"][4]["children"], serde_json::json!(["leaf-0", "leaf-1"]));

    let out = prover_service()
        .args(["prove-part", "--part", "segment-2", "--out"])
        .arg(dir.path().join("segment.snark"))
        .arg("--keys-dir")
        .arg(dir.path().join("keys"))
        .args(input)
        .arg(&elf)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("the run has no segment-2"), "{stderr}");
    assert!(!dir.path().join("segment.snark").exists(), "nothing is written");
    let out = prover_service()
        .args(["prove-part", "--part", "leaf-x", "--out", "x"])
        .args(input)
        .arg(&elf)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a bad part name is a usage error");
}

#[test]
fn verify_refuses_a_file_that_is_not_a_proof() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("proof.json");
    std::fs::write(&path, "{\"version\": 1}").unwrap();
    let out =
        prover_service().arg("verify").arg(&path).args(["--program-id", "0x01"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not a proof file"), "{stderr}");
}

#[test]
fn calldata_prints_the_submission_of_a_proof_for_its_public_values() {
    let values = contracts::fixture::public_values();
    let proof = contracts::fixture::proof().unwrap();
    let calldata = |public_values: &str| {
        prover_service()
            .arg("calldata")
            .arg(contracts::fixture::proof_path())
            .args(["--public-values", public_values])
            .output()
            .unwrap()
    };
    let out = calldata(&format!("0x{}", hex::encode(values.to_bytes())));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let expected = contracts::submit_calldata(&values, &proof).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("0x{}", hex::encode(expected)));

    // Public values the proof does not commit, and bytes that are no encoding at all.
    let mut other = values;
    other.blockNumber += 1;
    for (bad, error) in [
        (format!("0x{}", hex::encode(other.to_bytes())), "keccak256(abi.encode"),
        ("0x1234".to_string(), "not an ABI-encoded PublicValues"),
        ("zz".to_string(), "not hex"),
    ] {
        let out = calldata(&bad);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(error), "{bad}: {stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn export_verifier_without_the_parameters_fails_clearly_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("Verifier.sol");
    let out = prover_service()
        .args(["export-verifier", "--segment-po2", "17", "--params-dir"])
        .arg(dir.path().join("missing"))
        .arg("--out")
        .arg(&out_path)
        .arg("--keys-dir")
        .arg(dir.path().join("keys"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("kzg_bn254_17.srs"), "{stderr}");
    assert!(!out_path.exists());
}

#[test]
fn verify_with_an_exported_key_accepts_the_fixture_and_refuses_a_changed_proof() {
    let dir = tempfile::tempdir().unwrap();
    let elf = write_elf(&dir, guests::PUBLIC_VALUES_ELF);
    let verify = |proof: &std::path::Path| {
        prover_service()
            .arg("verify")
            .arg(proof)
            .arg("--elf")
            .arg(&elf)
            .arg("--vk")
            .arg(contracts::fixture::wrapper_vk_path())
            .output()
            .unwrap()
    };
    let out = verify(&contracts::fixture::proof_path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.starts_with("valid"), "{stdout}");

    let proof = contracts::fixture::proof().unwrap();
    let mut flipped = proof.proof.clone();
    flipped[200] ^= 1;
    let changed =
        prover::Proof::new(proof.output, proof.shape(), proof.cycles, proof.public_inputs, flipped);
    let path = dir.path().join("changed.json");
    changed.write(&path).unwrap();
    let out = verify(&path);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("does not verify"), "{stdout}");
}
