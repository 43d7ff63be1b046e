//! The L1 submitter against anvil as L1, with the real `Rollup.sol`, the generated
//! verifier and the committed real proof (`contracts/fixtures`): blocks go in order and
//! none is skipped, a restart neither sends twice nor loses a transaction, a stuck
//! transaction is replaced with higher fees, a reverted one is sent again, and a proof the
//! rollup refuses stops the queue with the decoded reason. The last test runs the
//! `prover-service` binary: `submit-proof` queues, `serve --l1-rpc-url` submits.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Duration;

use alloy_primitives::{Address, B256};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::SolCall;
use contracts::rollup::{deploy_code, program_id_word, Genesis, Rollup};
use contracts::{artifacts, fixture};
use prover_service::http_client::TlsOptions;
use prover_service::l1::{queue_proof, rollup_key, L1Client, Submitter, SubmitterOptions, Tick};
use prover_service::model::Mode;
use prover_service::store::{JobStore, NewJob, SubmissionStatus};
use serde_json::{json, Value};
use support::{backends, database_url, parse_u64, Anvil, Process};

/// anvil's second development account (the first deploys the contracts).
const SUBMITTER_KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
/// Gas given to deployments.
const GAS: &str = "0x1c9c380";
/// `Rollup`'s storage slot of `lastBlockHash` (after the owner and block number's slot
/// and `programId`).
const LAST_BLOCK_HASH_SLOT: &str = "0x2";

fn hex_data(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

async fn deploy(anvil: &Anvil, code: &[u8]) -> Address {
    let receipt = anvil.send(json!({"data": hex_data(code), "gas": GAS})).await;
    assert_eq!(receipt["status"], "0x1", "deployment reverted");
    receipt["contractAddress"].as_str().unwrap().parse().unwrap()
}

/// anvil with the verifier and a rollup starting at `genesis`.
async fn l1_with_rollup(genesis: &Genesis) -> (Anvil, Address) {
    let anvil = Anvil::start().await;
    let verifier = deploy(&anvil, &artifacts::verifier().unwrap().bytecode).await;
    let proof = fixture::proof().unwrap();
    let code =
        deploy_code(&artifacts::rollup().unwrap(), genesis, program_id_word(&proof), verifier);
    let rollup = deploy(&anvil, &code).await;
    (anvil, rollup)
}

async fn rollup_head(anvil: &Anvil, rollup: Address) -> u64 {
    let call = Rollup::lastBlockNumberCall {}.abi_encode();
    let out = anvil
        .rpc("eth_call", json!([{"to": rollup.to_string(), "data": hex_data(&call)}, "latest"]))
        .await;
    let bytes = hex::decode(out.as_str().unwrap().trim_start_matches("0x")).unwrap();
    Rollup::lastBlockNumberCall::abi_decode_returns(&bytes).unwrap()
}

fn signer() -> PrivateKeySigner {
    SUBMITTER_KEY.parse().unwrap()
}

async fn sent_transactions(anvil: &Anvil) -> u64 {
    let from = signer().address().to_string();
    parse_u64(&anvil.rpc("eth_getTransactionCount", json!([from, "latest"])).await)
}

fn fast_options() -> SubmitterOptions {
    SubmitterOptions {
        poll: Duration::from_millis(50),
        bump_after: Duration::from_secs(3600),
        lease: Duration::from_millis(300),
        ..SubmitterOptions::default()
    }
}

async fn submitter(
    store: &JobStore,
    anvil: &Anvil,
    rollup: Address,
    owner: &str,
    options: SubmitterOptions,
) -> Submitter {
    let chain =
        L1Client::new(&anvil.url, rollup, &TlsOptions::default(), Duration::from_secs(10)).unwrap();
    Submitter::new(store.clone(), chain, signer(), owner.to_string(), options).await.unwrap()
}

/// Queues the fixture's proof (block 7) for `rollup`.
async fn queue_fixture(store: &JobStore, rollup: Address) {
    let proof = fixture::proof().unwrap();
    let queued =
        queue_proof(store, rollup, &fixture::public_values(), &proof, Some("job-7".into()))
            .await
            .unwrap();
    assert!(queued);
}

async fn sqlite_store(dir: &tempfile::TempDir) -> JobStore {
    JobStore::connect(&format!("sqlite://{}", dir.path().join("jobs.db").display()), 2)
        .await
        .unwrap()
}

async fn manual_mining(anvil: &Anvil) {
    anvil.rpc("evm_setAutomine", json!([false])).await;
}

async fn mine(anvil: &Anvil) {
    anvil.rpc("evm_mine", json!([])).await;
}

#[tokio::test]
async fn blocks_go_in_order_none_is_skipped_and_each_is_sent_once() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let store = JobStore::connect(&database_url(&backend, dir.path()).await, 2).await.unwrap();

        // A rollup that still needs block 6: the proof of block 7 waits, unsent.
        let mut behind = fixture::genesis();
        behind.number -= 1;
        let (anvil, rollup) = l1_with_rollup(&behind).await;
        queue_fixture(&store, rollup).await;
        let waiting = submitter(&store, &anvil, rollup, "a", fast_options()).await;
        assert_eq!(waiting.tick().await.unwrap(), Tick::Idle { next: 6 });
        assert_eq!(sent_transactions(&anvil).await, 0, "block 7 is not sent before block 6");
        drop(anvil);

        // A rollup at block 6: block 7 goes out, is confirmed, and is never sent again.
        let (anvil, rollup) = l1_with_rollup(&fixture::genesis()).await;
        queue_fixture(&store, rollup).await;
        manual_mining(&anvil).await;
        let submitter = submitter(&store, &anvil, rollup, "a", fast_options()).await;
        let Tick::Sent { block: 7, hash } = submitter.tick().await.unwrap() else {
            panic!("block 7 was not sent")
        };
        assert_eq!(submitter.tick().await.unwrap(), Tick::Waiting { block: 7 });
        assert_eq!(sent_transactions(&anvil).await, 0, "not mined yet");
        // Once mined, the next tick finds the rollup at 7, settles the submission as ours,
        // and looks for block 8.
        mine(&anvil).await;
        assert_eq!(submitter.tick().await.unwrap(), Tick::Idle { next: 8 });
        assert_eq!(rollup_head(&anvil, rollup).await, 7);
        let record = store.submission(&rollup_key(rollup), 7).await.unwrap().unwrap();
        assert_eq!(record.status, SubmissionStatus::Confirmed);
        assert_eq!(record.tx_hash.as_deref(), Some(hash.to_string().as_str()));
        assert_eq!(record.job_id.as_deref(), Some("job-7"));
        let gas = record.gas_used.unwrap();
        assert!(gas > 200_000 && gas < 1_000_000, "{gas} gas");
        assert_eq!(
            store.submission_of_job("job-7").await.unwrap().unwrap().status,
            SubmissionStatus::Confirmed
        );
        for _ in 0..3 {
            assert_eq!(submitter.tick().await.unwrap(), Tick::Idle { next: 8 });
        }
        assert_eq!(sent_transactions(&anvil).await, 1, "one transaction in all");
        store.close().await;
    }
}

#[tokio::test]
async fn a_restart_finds_the_recorded_transaction_and_neither_resends_nor_skips() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(&dir).await;
    let (anvil, rollup) = l1_with_rollup(&fixture::genesis()).await;
    queue_fixture(&store, rollup).await;
    manual_mining(&anvil).await;

    let first = submitter(&store, &anvil, rollup, "first", fast_options()).await;
    let Tick::Sent { hash, .. } = first.tick().await.unwrap() else { panic!("not sent") };
    // The process dies, and the node loses the transaction with it.
    drop(first);
    anvil.rpc("anvil_dropTransaction", json!([hash.to_string()])).await;

    let second = submitter(&store, &anvil, rollup, "second", fast_options()).await;
    assert_eq!(second.tick().await.unwrap(), Tick::NotLeader, "the dead process's lease runs");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(second.tick().await.unwrap(), Tick::Rebroadcast { block: 7 });
    mine(&anvil).await;
    assert_eq!(second.tick().await.unwrap(), Tick::Idle { next: 8 });
    assert_eq!(sent_transactions(&anvil).await, 1);
    let record = store.submission(&rollup_key(rollup), 7).await.unwrap().unwrap();
    assert_eq!(record.status, SubmissionStatus::Confirmed);
    assert_eq!(record.tx_hash, Some(hash.to_string()));
    assert_eq!(record.tx_hashes, vec![hash.to_string()]);
}

#[tokio::test]
async fn a_stuck_transaction_is_replaced_with_higher_fees_under_the_same_nonce() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(&dir).await;
    let (anvil, rollup) = l1_with_rollup(&fixture::genesis()).await;
    queue_fixture(&store, rollup).await;
    manual_mining(&anvil).await;
    let options = SubmitterOptions { bump_after: Duration::ZERO, ..fast_options() };
    let submitter = submitter(&store, &anvil, rollup, "a", options).await;

    let Tick::Sent { hash: first, .. } = submitter.tick().await.unwrap() else { panic!() };
    let before = store.submission(&rollup_key(rollup), 7).await.unwrap().unwrap();
    let tick = submitter.tick().await.unwrap();
    let Tick::Replaced { hash: second, .. } = tick else { panic!("{tick:?}") };
    assert_ne!(first, second);
    let after = store.submission(&rollup_key(rollup), 7).await.unwrap().unwrap();
    assert_eq!(after.nonce, before.nonce, "a replacement keeps the nonce");
    assert!(after.max_fee.unwrap() >= before.max_fee.unwrap() * 12 / 10, "fees rise by 20%");
    assert_eq!(after.tx_hashes, vec![first.to_string(), second.to_string()]);

    mine(&anvil).await;
    assert_eq!(submitter.tick().await.unwrap(), Tick::Idle { next: 8 });
    let record = store.submission(&rollup_key(rollup), 7).await.unwrap().unwrap();
    assert_eq!(record.status, SubmissionStatus::Confirmed);
    assert_eq!(record.tx_hash, Some(second.to_string()));
    let replaced: Value = anvil.rpc("eth_getTransactionReceipt", json!([first.to_string()])).await;
    assert!(replaced.is_null(), "the replaced transaction never landed");
    assert_eq!(sent_transactions(&anvil).await, 1);
}

#[tokio::test]
async fn a_reverted_transaction_is_sent_again_and_a_refused_proof_stops_the_queue() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(&dir).await;
    let genesis = fixture::genesis();
    let (anvil, rollup) = l1_with_rollup(&genesis).await;
    queue_fixture(&store, rollup).await;
    let slot = json!([rollup.to_string(), LAST_BLOCK_HASH_SLOT, "latest"]);
    let stored: B256 =
        anvil.rpc("eth_getStorageAt", slot.clone()).await.as_str().unwrap().parse().unwrap();
    assert_eq!(stored, genesis.hash, "the slot of lastBlockHash");
    manual_mining(&anvil).await;
    let submitter = submitter(&store, &anvil, rollup, "a", fast_options()).await;

    // The state the transaction was priced against changes under it while it waits: it
    // is mined and reverts (WrongParentHash). The state then settles back.
    let Tick::Sent { hash: reverted, .. } = submitter.tick().await.unwrap() else { panic!() };
    let set_parent = |hash: B256| {
        let anvil = &anvil;
        async move {
            let params = json!([rollup.to_string(), LAST_BLOCK_HASH_SLOT, hash.to_string()]);
            anvil.rpc("anvil_setStorageAt", params).await;
        }
    };
    set_parent(B256::repeat_byte(0xee)).await;
    mine(&anvil).await;
    let receipt = anvil.rpc("eth_getTransactionReceipt", json!([reverted.to_string()])).await;
    assert_eq!(receipt["status"], "0x0", "the first transaction reverted");
    set_parent(genesis.hash).await;

    let Tick::Requeued { block: 7, .. } = submitter.tick().await.unwrap() else { panic!() };
    let Tick::Sent { hash: resent, .. } = submitter.tick().await.unwrap() else { panic!() };
    assert_ne!(resent, reverted);
    mine(&anvil).await;
    assert_eq!(submitter.tick().await.unwrap(), Tick::Idle { next: 8 });
    let record = store.submission(&rollup_key(rollup), 7).await.unwrap().unwrap();
    assert_eq!((record.status, record.attempts), (SubmissionStatus::Confirmed, 1));
    assert_eq!(record.tx_hash, Some(resent.to_string()));
    assert_eq!(rollup_head(&anvil, rollup).await, 7);

    // A rollup whose accepted block is not this proof's parent refuses it for good: the
    // submission fails with the rollup's reason, nothing is sent, and it stays the head
    // of the queue.
    let mut other = genesis;
    other.hash = B256::repeat_byte(0x42);
    let (anvil, rollup) = l1_with_rollup(&other).await;
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(&dir).await;
    queue_fixture(&store, rollup).await;
    let sender = signer().address();
    let before = sent_transactions(&anvil).await;
    let refusing = self::submitter(&store, &anvil, rollup, "a", fast_options()).await;
    assert_eq!(refusing.from(), sender);
    for _ in 0..2 {
        let tick = refusing.tick().await.unwrap();
        let Tick::Blocked { block: 7, error } = tick else { panic!("{tick:?}") };
        assert!(error.contains("WrongParentHash"), "{error}");
    }
    let record = store.submission(&rollup_key(rollup), 7).await.unwrap().unwrap();
    assert_eq!(record.status, SubmissionStatus::Failed);
    assert_eq!(sent_transactions(&anvil).await, before);
}

#[tokio::test]
async fn the_service_submits_a_queued_proof_to_the_rollup() {
    let dir = tempfile::tempdir().unwrap();
    let (anvil, rollup) = l1_with_rollup(&fixture::genesis()).await;
    let database = format!("sqlite://{}", dir.path().join("jobs.db").display());
    let key_file = dir.path().join("l1.key");
    std::fs::write(&key_file, SUBMITTER_KEY).unwrap();
    let proof_file = dir.path().join("proof.json");
    fixture::proof().unwrap().write(&proof_file).unwrap();
    let rollup_text = rollup.to_string();
    // The prove job whose proof this is: its view shows the submission.
    let values = fixture::public_values();
    let (job, _) = JobStore::connect(&database, 1)
        .await
        .unwrap()
        .submit(&NewJob {
            chain_id: values.chainId,
            block_number: values.blockNumber,
            block_hash: values.blockHash,
            program_id: fixture::proof().unwrap().program_id_hex(),
            mode: Mode::Prove,
            priority: 0,
            input_artifact: None,
            max_attempts: 1,
            program_artifact: None,
        })
        .await
        .unwrap();

    let queued = std::process::Command::new(env!("CARGO_BIN_EXE_prover-service"))
        .args(["submit-proof", proof_file.to_str().unwrap(), "--public-values"])
        .arg(hex_data(&values.to_bytes()))
        .args(["--database-url", &database, "--rollup-address", &rollup_text])
        .args(["--job-id", &job.id])
        .output()
        .unwrap();
    assert!(queued.status.success(), "{}", String::from_utf8_lossy(&queued.stderr));

    let mut service = Process::start(
        "serve",
        &[
            "--database-url",
            &database,
            "--artifacts-dir",
            dir.path().join("artifacts").to_str().unwrap(),
            "--workers",
            "0",
            "--l1-rpc-url",
            &anvil.url,
            "--rollup-address",
            &rollup_text,
            "--l1-key-file",
            key_file.to_str().unwrap(),
            "--l1-poll-ms",
            "100",
        ],
    );
    let store = JobStore::connect(&database, 1).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let record = store.submission(&rollup_key(rollup), 7).await.unwrap().unwrap();
        if record.status == SubmissionStatus::Confirmed {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the service did not submit block 7");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let url = format!("{}/v1/jobs/{}", service.api(), job.id);
    let view: Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
    assert_eq!(view["l1"]["status"], "confirmed", "{view:#}");
    assert_eq!(view["l1"]["rollup"], rollup_key(rollup));
    let tx_hash = view["l1"]["tx_hash"].as_str().unwrap();
    let receipt = anvil.rpc("eth_getTransactionReceipt", json!([tx_hash])).await;
    assert_eq!(receipt["status"], "0x1", "the job names the transaction that landed");
    assert_eq!(parse_u64(&receipt["blockNumber"]), view["l1"]["l1_block"].as_u64().unwrap());
    service.terminate();
    assert_eq!(rollup_head(&anvil, rollup).await, 7);
    assert_eq!(sent_transactions(&anvil).await, 1);
}
