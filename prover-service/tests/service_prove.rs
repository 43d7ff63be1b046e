//! Mode `prove` through the HTTP API, on anvil and both job-store backends: a block job
//! runs witness and execute, which plans the proof's parts (segments, precompile batches,
//! tree nodes, the wrapper), each a stage; they wait for a worker whose memory budget
//! fits them; a second worker process claims one and starts a real prover child; a
//! cancel kills that child within seconds (checked on the process itself, not on a
//! status field), and the job has no proof. A SIGKILLed worker's prover stops too, and
//! another worker takes its part over once the lease expires. A generic program job's
//! prover proves the uploaded ELF on the job's input stream. A whole block proof takes
//! hours on a 2-core machine, so the proof itself is left to `make test-e2e`.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use support::{backends, database_url, get, post, wait_for, Anvil, Process};

/// The children of `parent` whose command line contains `word`.
fn children_running(parent: u32, word: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // The fields after the command name's closing parenthesis: state, ppid, ...
        let Some((_, rest)) = stat.rsplit_once(") ") else { continue };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.get(1).and_then(|p| p.parse::<u32>().ok()) != Some(parent) {
            continue;
        }
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let args: Vec<String> =
            cmdline.split(|b| *b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
        if args.iter().any(|a| a == word) {
            found.push(pid);
        }
    }
    found
}

/// CPU time (user + system, clock ticks) `pid` has used; `None` once it is gone or a
/// zombie.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(") ")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    if fields.first() == Some(&"Z") {
        return None;
    }
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    Some(ticks(11)? + ticks(12)?)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_prove_stage_waits_for_memory_and_a_cancel_kills_its_prover() {
    let anvil = Anvil::start().await;
    let receipt = anvil
        .send(json!({"to": "0x000000000000000000000000000000000000dEaD", "value": "0x1"}))
        .await;
    assert_eq!(receipt["status"], "0x1");
    let number = support::parse_u64(&receipt["blockNumber"]);
    let receipt = anvil
        .send(json!({"to": "0x000000000000000000000000000000000000dEaD", "value": "0x2"}))
        .await;
    let second_block = support::parse_u64(&receipt["blockNumber"]);
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let db = database_url(&backend, dir.path()).await;
        let artifacts = dir.path().join("artifacts").display().to_string();
        let keys = dir.path().join("keys").display().to_string();
        let common = vec![
            "--database-url",
            db.as_str(),
            "--artifacts-dir",
            artifacts.as_str(),
            "--rpc-url",
            anvil.url.as_str(),
            "--fork",
            "cancun",
            "--poll-ms",
            "50",
            "--lease-ms",
            "2000",
            "--keys-dir",
            keys.as_str(),
        ];
        // This process's worker has 2 GiB: it runs witness and execute, no proof part.
        let server =
            Process::start("serve", &[common.clone(), vec!["--max-memory", "2GiB"]].concat());
        let api = server.api().to_string();
        let client = reqwest::Client::new();
        let (status, job) = post(
            &client,
            &format!("{api}/v1/jobs"),
            &json!({"block_number": number, "mode": "prove"}),
        )
        .await;
        assert_eq!(status, 201, "{job}");
        assert_eq!(job["progress"]["stages_total"], 3, "witness, execute, prove: {job:#}");
        let id = job["id"].as_str().unwrap().to_string();
        wait_for(&client, &api, &id, 120, planned).await;
        tokio::time::sleep(Duration::from_millis(600)).await;
        let (_, job) = get(&client, &format!("{api}/v1/jobs/{id}")).await;
        assert_eq!(job["status"], "queued", "no worker fits a proof part: {job:#}");
        let stages = job["stages"].as_array().unwrap();
        assert!(stages[..2].iter().all(|s| s["status"] == "succeeded"), "{job:#}");
        let parts = &stages[2..];
        assert_eq!(job["progress"]["stages_total"], stages.len(), "{job:#}");
        assert_eq!(job["progress"]["segments"], 2, "a transfer block is two segments: {job:#}");
        for kind in ["segment", "keccak_batch", "secp_batch", "node", "wrapper"] {
            assert!(parts.iter().any(|s| s["kind"] == kind), "no {kind} part: {job:#}");
        }
        let status_of = |part: &str| {
            parts.iter().find(|s| s["part"] == part).map(|s| s["status"].clone()).unwrap()
        };
        assert_eq!(status_of("segment-0"), "queued");
        assert_eq!(status_of("leaf-0"), "waiting");
        assert_eq!(status_of("wrapper"), "waiting");
        assert!(children_running(server.pid(), "prove-part").is_empty());
        let (status, body) = get(&client, &format!("{api}/v1/jobs/{id}/proof")).await;
        assert_eq!((status, body["error"].as_str()), (409, Some("no_proof")), "{body}");

        // A worker process without a budget claims it and starts the prover.
        let worker = Process::start("worker", &common);
        wait_for(&client, &api, &id, 60, |job| job["status"] == "running").await;
        let prover = busy_prover_of(&worker).await;

        let (status, cancelled) =
            post(&client, &format!("{api}/v1/jobs/{id}/cancel"), &json!({})).await;
        assert_eq!((status, cancelled["status"].as_str()), (200, Some("cancelled")));
        gone_within(prover, Duration::from_secs(5)).await;
        assert!(children_running(worker.pid(), "prove-part").is_empty(), "reaped, not a zombie");
        let (_, job) = get(&client, &format!("{api}/v1/jobs/{id}")).await;
        let parts = job["stages"].as_array().unwrap().iter().filter(|s| !s["part"].is_null());
        assert!(parts.clone().all(|s| s["status"] == "cancelled"), "{job:#}");
        assert!(job["proof"].is_null() && job["l1"].is_null(), "{job:#}");
        let (status, body) = get(&client, &format!("{api}/v1/jobs/{id}/proof")).await;
        assert_eq!((status, body["error"].as_str()), (409, Some("no_proof")), "{body}");

        // A worker killed mid-proof leaves no prover behind, and its stage is taken over.
        let (_, job) = post(
            &client,
            &format!("{api}/v1/jobs"),
            &json!({"block_number": second_block, "mode": "prove"}),
        )
        .await;
        let id = job["id"].as_str().unwrap().to_string();
        wait_for(&client, &api, &id, 120, planned).await;
        let mut worker = worker;
        let orphan = busy_prover_of(&worker).await;
        let (_, job) = get(&client, &format!("{api}/v1/jobs/{id}")).await;
        let stages = job["stages"].as_array().unwrap();
        let running = stages.iter().find(|s| s["status"] == "running").unwrap()["part"].clone();
        worker.kill();
        gone_within(orphan, Duration::from_secs(5)).await;
        // The server's worker requeues the part once its lease has expired.
        let part_of = |job: &serde_json::Value| {
            job["stages"].as_array().unwrap().iter().find(|s| s["part"] == running).cloned()
        };
        wait_for(&client, &api, &id, 30, |job| part_of(job).unwrap()["status"] == "queued").await;
        let successor = Process::start("worker", &common);
        let prover = busy_prover_of(&successor).await;
        let (_, job) = get(&client, &format!("{api}/v1/jobs/{id}")).await;
        let taken = part_of(&job).unwrap();
        assert_eq!(
            (&taken["status"], &taken["attempts"]),
            (&json!("running"), &json!(2)),
            "{job:#}"
        );
        post(&client, &format!("{api}/v1/jobs/{id}/cancel"), &json!({})).await;
        gone_within(prover, Duration::from_secs(5)).await;
    }
}

/// Whether `execute` has planned the job's proof.
fn planned(job: &serde_json::Value) -> bool {
    job["progress"]["segments"].as_u64().is_some_and(|n| n > 0)
}

/// The prover child `worker` starts, once it has used CPU for a while.
async fn busy_prover_of(worker: &Process) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(30);
    let prover = loop {
        if let Some(&pid) = children_running(worker.pid(), "prove-part").first() {
            break pid;
        }
        assert!(Instant::now() < deadline, "the worker started no prover");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let before = cpu_ticks(prover).unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let during = cpu_ticks(prover).expect("the prover is still at work");
    assert!(during > before + 10, "the prover is busy: {before} then {during} ticks");
    prover
}

/// Waits until `pid` has stopped (gone, or a zombie), for at most `limit`.
async fn gone_within(pid: u32, limit: Duration) {
    let start = Instant::now();
    while cpu_ticks(pid).is_some() {
        assert!(start.elapsed() < limit, "process {pid} still runs after {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A generic job in mode `prove`: the uploaded program's run passes execute (it commits
/// one word), and its prove stage starts a prover child on that very ELF and input
/// stream, which a cancel kills.
#[tokio::test(flavor = "multi_thread")]
async fn a_generic_program_job_proves_its_uploaded_elf_in_a_child() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let db = database_url(&backend, dir.path()).await;
        let keys = dir.path().join("keys").display().to_string();
        let artifacts = dir.path().join("artifacts").display().to_string();
        let server = Process::start(
            "serve",
            &[
                "--database-url",
                &db,
                "--artifacts-dir",
                &artifacts,
                "--poll-ms",
                "50",
                "--keys-dir",
                &keys,
            ],
        );
        let api = server.api().to_string();
        let client = reqwest::Client::new();
        let elf = hex::encode(guests::FIBONACCI_DIGEST_ELF);
        let (status, job) = post(
            &client,
            &format!("{api}/v1/jobs"),
            &json!({"elf": elf, "frames": ["0a"], "mode": "prove"}),
        )
        .await;
        assert_eq!(status, 201, "{job}");
        assert_eq!(job["progress"]["stages_total"], 2, "execute, the proof: {job:#}");
        let id = job["id"].as_str().unwrap().to_string();
        wait_for(&client, &api, &id, 60, planned).await;
        let prover = busy_prover_of(&server).await;

        // The child proves the uploaded ELF on the framed input.
        let cmdline = std::fs::read(format!("/proc/{prover}/cmdline")).unwrap();
        let args: Vec<String> =
            cmdline.split(|b| *b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
        let after = |flag: &str| {
            let at = args.iter().position(|a| a == flag).unwrap_or_else(|| panic!("{args:?}"));
            std::fs::read(&args[at + 1]).unwrap()
        };
        assert_eq!(after("--elf"), guests::FIBONACCI_DIGEST_ELF);
        let part = args.iter().position(|a| a == "--part").map(|at| args[at + 1].clone());
        assert_eq!(part.as_deref(), Some("segment-0"));
        let framed = prover_service::program::framed_input(vec![], &[vec![0x0a]]).unwrap();
        assert_eq!(after("--input"), framed);

        post(&client, &format!("{api}/v1/jobs/{id}/cancel"), &json!({})).await;
        gone_within(prover, Duration::from_secs(5)).await;
        let (status, body) = get(&client, &format!("{api}/v1/jobs/{id}/proof")).await;
        assert_eq!((status, body["error"].as_str()), (409, Some("no_proof")), "{body}");
    }
}

/// A generic program proved through the HTTP API on real components: the API process
/// and two worker processes share one database (PostgreSQL under `make test-e2e`, with
/// every artifact in it); one worker executes, one proves; the proof `GET
/// /v1/jobs/{id}/proof` returns passes `prover-service verify` for the uploaded ELF.
/// `fibonacci-digest` on 20,000 is one 2^18-row segment, so the proof is a segment, a
/// leaf and the wrapper (the tree over several segments is `prover`'s end-to-end test).
/// About 40 minutes from cold key caches on 2 cores: `make test-e2e` runs it.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a real proof through the service (about 40 minutes); run by `make test-e2e`"]
async fn a_program_job_is_proved_through_the_api_and_its_proof_verifies() {
    let backend = backends().pop().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = database_url(&backend, dir.path()).await;
    let common = ["--database-url", db.as_str(), "--artifacts", "database", "--poll-ms", "200"];
    let server = Process::start("serve", &[&common[..], &["--workers", "0"]].concat());
    let workers = [Process::start("worker", &common), Process::start("worker", &common)];
    let api = server.api().to_string();
    let client = reqwest::Client::new();
    let mut input = abi::io::InputBuilder::new();
    input.write(&20_000u32).unwrap();
    let (status, job) = post(
        &client,
        &format!("{api}/v1/jobs"),
        &json!({
            "elf": hex::encode(guests::FIBONACCI_DIGEST_ELF),
            "input": hex::encode(input.into_bytes()),
            "mode": "prove"
        }),
    )
    .await;
    assert_eq!(status, 201, "{job}");
    let id = job["id"].as_str().unwrap().to_string();
    let start = Instant::now();
    let done = wait_for(&client, &api, &id, 3 * 3600, |job| {
        matches!(job["status"].as_str(), Some("succeeded" | "failed" | "cancelled"))
    })
    .await;
    eprintln!("job ended after {:.0}s: {done:#}", start.elapsed().as_secs_f64());
    assert_eq!(done["status"], "succeeded");
    for stage in done["stages"].as_array().unwrap() {
        eprintln!(
            "stage {} {}: {} ms, attempts {}",
            stage["kind"], stage["part"], stage["duration_ms"], stage["attempts"]
        );
    }
    assert_eq!(done["proof"]["segments"], 1, "{done:#}");
    assert_eq!(done["progress"]["segments_proved"], 1, "{done:#}");
    assert!(workers.iter().all(|w| children_running(w.pid(), "prove-part").is_empty()));

    let (status, view) = get(&client, &format!("{api}/v1/jobs/{id}/proof")).await;
    assert_eq!(status, 200, "{view}");
    assert!(view["calldata"].is_null() && view["public_values"].is_null(), "{view}");
    let proof_file = dir.path().join("proof.json");
    std::fs::write(&proof_file, view["proof"].to_string()).unwrap();
    let elf_file = dir.path().join("fibonacci-digest.elf");
    std::fs::write(&elf_file, guests::FIBONACCI_DIGEST_ELF).unwrap();
    let verified = std::process::Command::new(env!("CARGO_BIN_EXE_prover-service"))
        .args(["verify", proof_file.to_str().unwrap(), "--elf", elf_file.to_str().unwrap()])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&verified.stdout);
    assert!(verified.status.success(), "{said}");
    assert!(said.starts_with("valid: program"), "{said}");
    assert!(said.contains(done["proof"]["output"].as_str().unwrap()), "{said}");
}
