//! The service against a real node (anvil): blocks with transfers, a deployment and
//! storage writes are witnessed through `eth_getProof`, executed in the guest over HTTP,
//! and their state roots match anvil's headers; the follower enqueues new heads and
//! handles a reorg; a killed worker's job completes on another worker, exactly once.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::{json, Value};
use support::{
    backends, database_url, deploy, get, post, wait_for, wait_until_final, Anvil, Process,
    BURN_RUNTIME, STORE_RUNTIME,
};

/// Loop iterations of the heavy block: 28M gas, several seconds of guest execution.
const HEAVY_LOOPS: u64 = 700_000;
const HEAVY_GAS: &str = "0x1ba8140";

fn word(value: u64) -> String {
    format!("{value:064x}")
}

/// Mines blocks with real transactions and returns their numbers.
async fn mine_blocks(anvil: &Anvil) -> Vec<u64> {
    let mut blocks = Vec::new();
    let transfer = anvil
        .send(json!({"to": "0x000000000000000000000000000000000000dEaD", "value": "0xde0b6b3a7640000"}))
        .await;
    blocks.push(support::parse_u64(&transfer["blockNumber"]));
    let store = deploy(anvil, STORE_RUNTIME).await;
    blocks.push(anvil.head().await);
    for (key, value) in [(1, 0xbeef), (2, 7), (1, 0xcafe)] {
        let data = format!("0x{}{}", word(key), word(value));
        let receipt = anvil.send(json!({"to": store, "data": data, "gas": "0x30000"})).await;
        assert_eq!(receipt["status"], "0x1");
        blocks.push(support::parse_u64(&receipt["blockNumber"]));
    }
    blocks
}

fn serve_args<'a>(db: &'a str, artifacts: &'a str, rpc: &'a str) -> Vec<&'a str> {
    vec![
        "--database-url",
        db,
        "--artifacts-dir",
        artifacts,
        "--rpc-url",
        rpc,
        "--fork",
        "cancun",
        "--poll-ms",
        "50",
        "--lease-ms",
        "2000",
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn blocks_from_anvil_execute_and_match_its_state_roots() {
    let anvil = Anvil::start().await;
    let blocks = mine_blocks(&anvil).await;
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let db = database_url(&backend, dir.path()).await;
        let artifacts = dir.path().join("artifacts").display().to_string();
        let service = Process::start("serve", &serve_args(&db, &artifacts, &anvil.url));
        let api = service.api();
        let client = reqwest::Client::new();
        for &number in &blocks {
            let (status, job) = post(
                &client,
                &format!("{api}/v1/jobs"),
                &json!({"block_number": number, "mode": "execute"}),
            )
            .await;
            assert_eq!(status, 201, "{job}");
            let job = wait_until_final(&client, api, job["id"].as_str().unwrap(), 120).await;
            assert_eq!(job["status"], "succeeded", "block {number}: {job:#}");
            let header = anvil.block(number).await;
            let values = &job["result"]["public_values"];
            assert_eq!(values["state_root"], header["stateRoot"], "block {number}");
            assert_eq!(values["block_hash"], header["hash"]);
            assert_eq!(values["parent_hash"], header["parentHash"]);
            assert!(job["result"]["cycles"].as_u64().unwrap() > 100_000);
            assert!(job["result"]["syscalls"]["keccak_permute"].as_u64().unwrap() > 0);
            let stages: Vec<&str> = job["stages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["kind"].as_str().unwrap())
                .collect();
            assert_eq!(stages, ["witness", "execute"]);
            assert!(job["stages"].as_array().unwrap().iter().all(|s| s["duration_ms"].is_i64()));

            // The same block again, by hash: the same job.
            let (status, again) = post(
                &client,
                &format!("{api}/v1/jobs"),
                &json!({"block_hash": header["hash"], "mode": "execute"}),
            )
            .await;
            assert_eq!(status, 200);
            assert_eq!(again["id"], job["id"]);
        }
        let (_, metrics) =
            (0, client.get(format!("{api}/metrics")).send().await.unwrap().text().await.unwrap());
        assert!(metrics.contains("prover_jobs{status=\"succeeded\"} 5"), "{metrics}");
        assert!(metrics.contains("prover_stage_duration_seconds_bucket"), "{metrics}");
        assert!(metrics.contains("prover_cycles_executed_total"), "{metrics}");
        let (status, ready) = get(&client, &format!("{api}/readyz")).await;
        assert_eq!((status, ready["rpc"].as_str()), (200, Some("ok")));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guest_input_runs_without_a_node_and_names_the_same_job() {
    let anvil = Anvil::start().await;
    let blocks = mine_blocks(&anvil).await;
    let number = blocks[1]; // the deployment
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("a.db").display());
    let artifacts = dir.path().join("artifacts");
    let artifacts_arg = artifacts.display().to_string();
    let client = reqwest::Client::new();
    let with_node = Process::start("serve", &serve_args(&db, &artifacts_arg, &anvil.url));
    let (_, job) = post(
        &client,
        &format!("{}/v1/jobs", with_node.api()),
        &json!({"block_number": number, "mode": "execute"}),
    )
    .await;
    let job = wait_until_final(&client, with_node.api(), job["id"].as_str().unwrap(), 120).await;
    assert_eq!(job["status"], "succeeded", "{job:#}");
    let input_id = job["input_artifact"].as_str().unwrap();
    let input = std::fs::read(artifacts.join(&input_id[..2]).join(input_id)).unwrap();
    drop(with_node);

    let db2 = format!("sqlite://{}", dir.path().join("b.db").display());
    let other = dir.path().join("other").display().to_string();
    let without_node = Process::start(
        "serve",
        &["--database-url", &db2, "--artifacts-dir", &other, "--poll-ms", "50"],
    );
    let api = without_node.api();
    let (status, second) = post(
        &client,
        &format!("{api}/v1/jobs"),
        &json!({"guest_input": format!("0x{}", hex::encode(&input)), "mode": "execute"}),
    )
    .await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(second["id"], job["id"], "the idempotency key is the block, not the route");
    let second = wait_until_final(&client, api, second["id"].as_str().unwrap(), 120).await;
    assert_eq!(second["status"], "succeeded", "{second:#}");
    assert_eq!(second["result"], job["result"]);
    assert_eq!(second["stages"].as_array().unwrap().len(), 1, "no witness stage");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_worker_s_stage_completes_on_another_worker_exactly_once() {
    let anvil = Anvil::start().await;
    let burner = deploy(&anvil, BURN_RUNTIME).await;
    let receipt = anvil
        .send(json!({"to": burner, "data": format!("0x{}", word(HEAVY_LOOPS)), "gas": HEAVY_GAS}))
        .await;
    assert_eq!(receipt["status"], "0x1");
    let number = support::parse_u64(&receipt["blockNumber"]);
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let db = database_url(&backend, dir.path()).await;
        let artifacts = dir.path().join("artifacts").display().to_string();
        let mut args = serve_args(&db, &artifacts, &anvil.url);
        let server = Process::start("serve", &[args.clone(), vec!["--workers", "0"]].concat());
        let api = server.api().to_string();
        let client = reqwest::Client::new();
        let (_, job) = post(
            &client,
            &format!("{api}/v1/jobs"),
            &json!({"block_number": number, "mode": "execute"}),
        )
        .await;
        let id = job["id"].as_str().unwrap().to_string();

        let mut first = Process::start("worker", &args);
        wait_for(&client, &api, &id, 120, |job| {
            job["stage"] == "execute" && job["progress"]["cycles"].as_i64().unwrap_or(0) > 0
        })
        .await;
        first.kill();

        args.extend(["--workers", "2"]);
        let _second = Process::start("worker", &args);
        let job = wait_until_final(&client, &api, &id, 180).await;
        assert_eq!(job["status"], "succeeded", "{job:#}");
        let stages = job["stages"].as_array().unwrap();
        let execute: Vec<&Value> = stages.iter().filter(|s| s["kind"] == "execute").collect();
        assert_eq!(execute.len(), 1, "one execute stage");
        assert_eq!(execute[0]["attempts"], 2, "claimed again after the lease expired");
        assert_eq!(execute[0]["status"], "succeeded");
        let header = anvil.block(number).await;
        assert_eq!(job["result"]["public_values"]["state_root"], header["stateRoot"]);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cancel_stops_a_running_stage_and_frees_the_worker() {
    let anvil = Anvil::start().await;
    let burner = deploy(&anvil, BURN_RUNTIME).await;
    let heavy = anvil
        .send(json!({"to": burner, "data": format!("0x{}", word(HEAVY_LOOPS)), "gas": HEAVY_GAS}))
        .await;
    let heavy = support::parse_u64(&heavy["blockNumber"]);
    let light = anvil
        .send(json!({"to": "0x000000000000000000000000000000000000dEaD", "value": "0x1"}))
        .await;
    let light = support::parse_u64(&light["blockNumber"]);
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("jobs.db").display());
    let artifacts = dir.path().join("artifacts").display().to_string();
    let service = Process::start("serve", &serve_args(&db, &artifacts, &anvil.url));
    let api = service.api();
    let client = reqwest::Client::new();
    let (_, job) = post(
        &client,
        &format!("{api}/v1/jobs"),
        &json!({"block_number": heavy, "mode": "execute"}),
    )
    .await;
    let id = job["id"].as_str().unwrap();
    wait_for(&client, api, id, 120, |job| job["progress"]["cycles"].as_i64().unwrap_or(0) > 0)
        .await;
    let (status, cancelled) =
        post(&client, &format!("{api}/v1/jobs/{id}/cancel"), &json!({})).await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    let (status, _) = post(&client, &format!("{api}/v1/jobs/{id}/cancel"), &json!({})).await;
    assert_eq!(status, 409, "already cancelled");

    // The only worker is free again: the next job runs to the end.
    let (_, next) = post(
        &client,
        &format!("{api}/v1/jobs"),
        &json!({"block_number": light, "mode": "execute"}),
    )
    .await;
    let next = wait_until_final(&client, api, next["id"].as_str().unwrap(), 60).await;
    assert_eq!(next["status"], "succeeded", "{next:#}");
    let (_, job) = get(&client, &format!("{api}/v1/jobs/{id}")).await;
    assert_eq!(job["status"], "cancelled");
    let execute =
        job["stages"].as_array().unwrap().iter().find(|s| s["kind"] == "execute").unwrap();
    assert_eq!(execute["status"], "cancelled");
    assert!(job["result"].is_null());
    let metrics = client.get(format!("{api}/metrics")).send().await.unwrap().text().await.unwrap();
    let stopped = "prover_stage_duration_seconds_count{stage=\"execute\",outcome=\"cancelled\"} 1";
    assert!(metrics.contains(stopped), "the running stage stopped: {metrics}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_follower_enqueues_new_heads_and_cancels_orphans_on_a_reorg() {
    let anvil = Anvil::start().await;
    let start = anvil.head().await + 1;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("jobs.db").display());
    let artifacts = dir.path().join("artifacts").display().to_string();
    let start_arg = start.to_string();
    let service = Process::start(
        "serve",
        &[
            "--database-url",
            &db,
            "--artifacts-dir",
            &artifacts,
            "--fork",
            "cancun",
            "--follow",
            &anvil.url,
            "--follow-from",
            &start_arg,
            "--follow-poll-ms",
            "100",
            "--workers",
            "0",
        ],
    );
    let api = service.api();
    let client = reqwest::Client::new();
    let snapshot = anvil.rpc("evm_snapshot", json!([])).await;
    for value in 1..=3u64 {
        anvil.send(json!({"to": "0x000000000000000000000000000000000000dEaD", "value": format!("{value:#x}")})).await;
    }
    let jobs_at = |status: &'static str| {
        let client = client.clone();
        let api = api.to_string();
        async move {
            let (_, list) = get(&client, &format!("{api}/v1/jobs?status={status}&limit=100")).await;
            list["jobs"].as_array().unwrap().clone()
        }
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while jobs_at("queued").await.len() < 3 {
        assert!(std::time::Instant::now() < deadline, "the follower enqueued the 3 blocks");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // The listing's order among jobs created in the same instant is not the block order,
    // so the block numbers are compared as a set.
    let mut before: Vec<u64> =
        jobs_at("queued").await.iter().map(|j| j["block_number"].as_u64().unwrap()).collect();
    before.sort_unstable();
    assert_eq!(before, [start, start + 1, start + 2]);

    // Reorg: back to the snapshot, then a different branch of four blocks.
    anvil.rpc("evm_revert", json!([snapshot])).await;
    for value in 10..=13u64 {
        anvil.send(json!({"to": "0x000000000000000000000000000000000000bEEF", "value": format!("{value:#x}")})).await;
    }
    while jobs_at("cancelled").await.len() < 3 || jobs_at("queued").await.len() < 4 {
        assert!(
            std::time::Instant::now() < deadline + std::time::Duration::from_secs(30),
            "reorg handled"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let cancelled = jobs_at("cancelled").await;
    assert!(cancelled.iter().all(|j| j["error"].as_str().unwrap().contains("orphaned")));
    let queued = jobs_at("queued").await;
    for job in &queued {
        let number = job["block_number"].as_u64().unwrap();
        let header = anvil.block(number).await;
        assert_eq!(job["block_hash"], header["hash"], "the new branch's block {number}");
    }
    let mut numbers: Vec<u64> =
        queued.iter().map(|j| j["block_number"].as_u64().unwrap()).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, [start, start + 1, start + 2, start + 3]);
}
