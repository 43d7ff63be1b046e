//! The operator's whole loop on real components (`make test-e2e`; hours on a 2-core
//! machine, so `make test` skips it): anvil as L2 mines a plain transfer; the service
//! plans the block's proof; the verifier generated for that proof's tree shape and
//! `Rollup.sol` are compiled with solc and deployed on a second anvil as L1; a `serve`
//! process and a `worker` process on one job store and one machine memory budget prove
//! the block part by part; the service's L1 submitter sends the proof, and the rollup
//! accepts the block's state root. The time and the prover's peak memory of every stage
//! are printed, as the job records them.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use alloy_primitives::{Address, B256};
use alloy_sol_types::SolCall;
use contracts::artifacts::{self, MAX_RUNTIME_BYTES};
use contracts::rollup::{deploy_code, Genesis, Rollup};
use serde_json::{json, Value};
use support::{backends, database_url, get, parse_u64, post, wait_for, Anvil, Process};

/// anvil's second development account: the L1 submitter's signer (the first deploys).
const SUBMITTER_KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
/// The longest the whole proof may take (cold keys on the 2-core reference machine take
/// about two and a half hours).
const PROOF_LIMIT_SECS: u64 = 5 * 3600;

fn hex_data(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn word(value: &Value) -> B256 {
    value.as_str().unwrap().parse().unwrap()
}

/// Deploys `code` from L1's first account.
async fn deploy(l1: &Anvil, code: &[u8]) -> Address {
    let receipt = l1.send(json!({"data": hex_data(code), "gas": "0x1c9c380"})).await;
    assert_eq!(receipt["status"], "0x1", "deployment reverted");
    receipt["contractAddress"].as_str().unwrap().parse().unwrap()
}

/// `eth_call` of a view of the rollup.
async fn call<C: SolCall>(l1: &Anvil, rollup: Address, call: C) -> C::Return {
    let out = l1
        .rpc(
            "eth_call",
            json!([{"to": rollup.to_string(), "data": hex_data(&call.abi_encode())}, "latest"]),
        )
        .await;
    let bytes = hex::decode(out.as_str().unwrap().trim_start_matches("0x")).unwrap();
    C::abi_decode_returns(&bytes).unwrap()
}

/// Runs `prover-service` to the end; panics unless it succeeds.
fn run_cli(args: &[&str]) {
    let status = Command::new(env!("CARGO_BIN_EXE_prover-service")).args(args).status().unwrap();
    assert!(status.success(), "prover-service {args:?}: {status}");
}

/// Compiles the `.sol` files of `sources` into `out` with the project's solc settings.
fn compile(sources: &Path, out: &Path) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts/compile.js");
    let status = Command::new("node").arg(script).arg(out).arg(sources).status().unwrap();
    assert!(status.success(), "compiling the exported verifier failed");
}

/// How many parts of `kind` the job's plan has.
fn parts_of(job: &Value, kind: &str) -> usize {
    job["stages"].as_array().unwrap().iter().filter(|s| s["kind"] == kind).count()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "proves a whole L2 block and submits it to L1: hours on 2 cores (make test-e2e)"]
async fn an_l2_block_is_proved_by_the_service_and_accepted_by_the_rollup_on_l1() {
    let l2 = Anvil::start().await;
    let receipt =
        l2.send(json!({"to": "0x000000000000000000000000000000000000dEaD", "value": "0x1"})).await;
    assert_eq!(receipt["status"], "0x1");
    let number = parse_u64(&receipt["blockNumber"]);
    let block = l2.block(number).await;
    let parent = l2.block(number - 1).await;
    let chain_id = parse_u64(&l2.rpc("eth_chainId", json!([])).await);

    let dir = tempfile::tempdir().unwrap();
    // PostgreSQL when `make test-e2e` started one, else SQLite.
    let backend = backends().pop().unwrap();
    let db = database_url(&backend, dir.path()).await;
    let artifacts_dir = dir.path().join("artifacts").display().to_string();
    let common = [
        "--database-url",
        db.as_str(),
        "--artifacts-dir",
        artifacts_dir.as_str(),
        "--rpc-url",
        l2.url.as_str(),
        "--fork",
        "cancun",
        "--poll-ms",
        "200",
    ];
    let client = reqwest::Client::new();

    // 1. The service plans the proof; a 2 GiB budget claims no proof part yet.
    let planner = Process::start("serve", &[&common[..], &["--max-memory", "2GiB"]].concat());
    let api = planner.api().to_string();
    let (status, job) =
        post(&client, &format!("{api}/v1/jobs"), &json!({"block_number": number, "mode": "prove"}))
            .await;
    assert_eq!(status, 201, "{job}");
    let id = job["id"].as_str().unwrap().to_string();
    let job = wait_for(&client, &api, &id, 300, |job| {
        job["progress"]["segments"].as_u64().is_some_and(|n| n > 0)
    })
    .await;
    let (segments, keccak, secp) =
        (parts_of(&job, "segment"), parts_of(&job, "keccak_batch"), parts_of(&job, "secp_batch"));
    assert!(keccak > 0 && secp > 0, "a transfer block hashes and recovers: {job:#}");
    eprintln!(
        "block {number}: {segments} segment(s), {keccak} keccak-f batch(es), {secp} secp256k1 \
         batch(es), {} stages",
        job["progress"]["stages_total"]
    );
    let mut planner = planner;
    planner.terminate();

    // 2. The verifier (one for every tree shape), compiled and deployed with the rollup on L1.
    let started = Instant::now();
    let sources = dir.path().join("verifier");
    std::fs::create_dir_all(&sources).unwrap();
    let solidity = sources.join("Halo2Verifier.sol").display().to_string();
    run_cli(&["export-verifier", "--out", &solidity]);
    let compiled = dir.path().join("compiled");
    compile(&sources, &compiled);
    let verifier_artifact = artifacts::read("Halo2Verifier", &compiled).unwrap();
    let runtime_bytes = verifier_artifact.deployed_bytecode.len();
    assert!(runtime_bytes <= MAX_RUNTIME_BYTES, "EIP-170: {runtime_bytes} bytes");
    eprintln!(
        "verifier exported (every key of the shape) and compiled in {:.0}s: {runtime_bytes} \
         bytes of runtime code",
        started.elapsed().as_secs_f64()
    );
    let l1 = Anvil::start().await;
    let verifier = deploy(&l1, &verifier_artifact.bytecode).await;
    let genesis = Genesis {
        chain_id,
        number: number - 1,
        hash: word(&parent["hash"]),
        state_root: word(&parent["stateRoot"]),
    };
    let program_id = word(&job["program_id"]);
    let code = deploy_code(&artifacts::rollup().unwrap(), &genesis, program_id, verifier);
    let rollup = deploy(&l1, &code).await;
    let rollup_text = rollup.to_string();

    // 3. A server with the L1 submitter and a second worker process prove and submit it,
    // sharing one memory budget through the machine's ledger.
    let key_file = dir.path().join("l1.key");
    std::fs::write(&key_file, SUBMITTER_KEY).unwrap();
    let ledger = dir.path().join("memory.ledger").display().to_string();
    let fleet = [
        &common[..],
        &["--max-memory", "23GiB", "--memory-ledger", &ledger, "--rollup-address", &rollup_text],
    ]
    .concat();
    let key_text = key_file.display().to_string();
    let l1_args =
        ["--l1-rpc-url", l1.url.as_str(), "--l1-key-file", &key_text, "--l1-poll-ms", "500"];
    let server = Process::start("serve", &[&fleet[..], &l1_args[..]].concat());
    let _worker = Process::start("worker", &fleet);
    let api = server.api().to_string();
    let started = Instant::now();
    let reported = std::cell::Cell::new(Instant::now());
    let job = wait_for(&client, &api, &id, PROOF_LIMIT_SECS, |job| {
        if reported.get().elapsed() > Duration::from_secs(300) {
            eprintln!(
                "{:.0} min: {}/{} stages done, {}",
                started.elapsed().as_secs_f64() / 60.0,
                job["progress"]["stages_done"],
                job["progress"]["stages_total"],
                job["status"]
            );
            reported.set(Instant::now());
        }
        assert_ne!(job["status"], "failed", "{job:#}");
        job["l1"]["status"] == "confirmed"
    })
    .await;
    eprintln!("proved and confirmed on L1 in {:.0}s", started.elapsed().as_secs_f64());
    for stage in job["stages"].as_array().unwrap() {
        eprintln!(
            "  {:<14} {:>8.1}s  peak {:>6} MiB  attempts {}",
            stage["part"].as_str().unwrap_or(stage["kind"].as_str().unwrap()),
            stage["duration_ms"].as_f64().unwrap_or(0.0) / 1000.0,
            stage["peak_mib"],
            stage["attempts"]
        );
    }
    let parts = job["stages"].as_array().unwrap().iter().filter(|s| !s["part"].is_null());
    assert!(parts.clone().all(|s| s["peak_mib"].as_u64().is_some_and(|m| m > 0)), "{job:#}");
    assert_eq!(job["status"], "succeeded", "{job:#}");

    // The rollup took the block: its head, hash and state root are the L2 block's.
    let tx = job["l1"]["tx_hash"].as_str().unwrap();
    let receipt = l1.rpc("eth_getTransactionReceipt", json!([tx])).await;
    assert_eq!(receipt["status"], "0x1");
    eprintln!("submitBlockProof: {} gas", parse_u64(&receipt["gasUsed"]));
    assert_eq!(call(&l1, rollup, Rollup::lastBlockNumberCall {}).await, number);
    assert_eq!(call(&l1, rollup, Rollup::lastBlockHashCall {}).await, word(&block["hash"]));
    assert_eq!(call(&l1, rollup, Rollup::lastStateRootCall {}).await, word(&block["stateRoot"]));
    let (status, proof) = get(&client, &format!("{api}/v1/jobs/{id}/proof")).await;
    assert_eq!(status, 200, "{proof}");
}
