//! The service proving end to end, with one worker process and then with two: a prove
//! job goes through the HTTP API, its parts are claimed by `worker` processes on one job
//! store (PostgreSQL when `BENCH_DATABASE_URL` or `PROVER_TEST_DATABASE_URL` names one,
//! else SQLite) and one machine memory budget, and the proof comes back verified.
//! `make bench-service-prove` runs it. Hours on a 2-core machine.
//!
//! - `BENCH_PROVE_JOB`: `block` (default: a plain transfer mined by anvil as L2) or
//!   `program` (`fibonacci-digest` on `BENCH_PROVE_N`, default 20,000: one 2^18 segment).
//! - `BENCH_PROVE_WORKERS`: the worker counts to run, default `1,2`.
//! - `BENCH_PROVE_MEMORY`: the machine's budget shared by the workers, default `23GiB`.
//!
//! First every key of the stack is made (`prover-service export-verifier`), so that no
//! stage's time includes a keygen. Then, for each worker count, on a fresh job store: the
//! wall time from submission to the verified proof, the sum of the stage times, every
//! stage (its worker, time and its prover's peak memory), each worker's busy time and
//! peak, and at the end the speed-up of each run over the first.
#![allow(clippy::unwrap_used, missing_docs)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{create_database, get, parse_u64, post, Anvil, Process};

/// The longest one run may take.
const RUN_LIMIT_SECS: u64 = 6 * 3600;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

/// What the bench proves.
enum Job {
    /// Block `number` of the L2 node at `rpc_url`.
    Block { rpc_url: String, number: u64 },
    /// `fibonacci-digest` on `n`.
    Program { n: u32 },
}

impl Job {
    fn describe(&self) -> String {
        match self {
            Self::Block { number, .. } => format!("L2 block {number} (a plain transfer)"),
            Self::Program { n } => format!("fibonacci-digest on {n}"),
        }
    }

    fn request(&self) -> Value {
        match self {
            Self::Block { number, .. } => json!({"block_number": number, "mode": "prove"}),
            Self::Program { n } => {
                let mut input = abi::io::InputBuilder::new();
                input.write(n).unwrap();
                json!({
                    "elf": hex::encode(guests::FIBONACCI_DIGEST_ELF),
                    "input": hex::encode(input.into_bytes()),
                    "mode": "prove"
                })
            }
        }
    }
}

/// A fresh job store for one run.
async fn database(dir: &std::path::Path, run: usize) -> String {
    let admin = std::env::var("BENCH_DATABASE_URL")
        .or_else(|_| std::env::var("PROVER_TEST_DATABASE_URL"))
        .ok();
    match admin {
        Some(admin) => {
            create_database(&admin, &format!("prover_bench_{}_{run}", std::process::id())).await
        }
        None => format!("sqlite://{}", dir.join(format!("jobs-{run}.db")).display()),
    }
}

/// What one run measured.
struct RunFigures {
    workers: usize,
    wall_secs: f64,
    stage_secs: f64,
}

fn secs(stage: &Value) -> f64 {
    stage["duration_ms"].as_f64().unwrap_or(0.0) / 1000.0
}

/// The worker process (`host-pid`) of a stage's worker (`host-pid-loop-suffix`).
fn process_of(worker: &str) -> String {
    let parts: Vec<&str> = worker.rsplitn(3, '-').collect();
    parts.last().copied().unwrap_or(worker).to_string()
}

/// Prints the run's stages and workers; returns its figures.
fn report(workers: usize, job: &Value, wall_secs: f64) -> RunFigures {
    let stages = job["stages"].as_array().unwrap();
    let mut per_worker: BTreeMap<String, (usize, f64, u64)> = BTreeMap::new();
    println!("  {:<16} {:<10} {:>9} {:>11}  worker", "stage", "kind", "time", "peak");
    for stage in stages {
        let worker = stage["worker"].as_str().map(process_of).unwrap_or_default();
        let peak = stage["peak_mib"].as_u64();
        println!(
            "  {:<16} {:<10} {:>8.1}s {:>11}  {worker}",
            stage["part"].as_str().unwrap_or(stage["kind"].as_str().unwrap_or("?")),
            stage["kind"].as_str().unwrap_or("?"),
            secs(stage),
            peak.map_or_else(|| "-".to_string(), |p| format!("{p} MiB")),
        );
        let entry = per_worker.entry(worker).or_default();
        entry.0 += 1;
        entry.1 += secs(stage);
        entry.2 = entry.2.max(peak.unwrap_or(0));
    }
    for (worker, (count, busy, peak)) in &per_worker {
        println!(
            "  worker {worker}: {count} stages, busy {busy:.0}s, peak {peak} MiB (its largest prover child)"
        );
    }
    let idle = workers.saturating_sub(per_worker.len());
    if idle > 0 {
        println!("  {idle} worker process(es) claimed no stage: no part was ready for them");
    }
    let stage_secs: f64 = stages.iter().map(secs).sum();
    println!(
        "  {workers} worker(s): wall {wall_secs:.0}s from submission to the verified proof; \
         the stages' times sum to {stage_secs:.0}s"
    );
    RunFigures { workers, wall_secs, stage_secs }
}

/// Proves `job` with `workers` worker processes on a fresh store; returns the figures.
async fn run(job: &Job, workers: usize, memory: &str, run_index: usize) -> RunFigures {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path(), run_index).await;
    let ledger = dir.path().join("memory.ledger").display().to_string();
    let mut common = vec![
        "--database-url".to_string(),
        db,
        "--artifacts-dir".to_string(),
        dir.path().join("artifacts").display().to_string(),
        "--poll-ms".to_string(),
        "200".to_string(),
        "--fork".to_string(),
        "cancun".to_string(),
    ];
    if let Job::Block { rpc_url, .. } = job {
        common.extend(["--rpc-url".to_string(), rpc_url.clone()]);
    }
    let common: Vec<&str> = common.iter().map(String::as_str).collect();
    let server = Process::start("serve", &[&common[..], &["--workers", "0"]].concat());
    let fleet = [&common[..], &["--max-memory", memory, "--memory-ledger", &ledger]].concat();
    let _workers: Vec<Process> = (0..workers).map(|_| Process::start("worker", &fleet)).collect();
    let api = server.api().to_string();
    let client = reqwest::Client::new();
    let started = Instant::now();
    let (status, created) = post(&client, &format!("{api}/v1/jobs"), &job.request()).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let mut last_report = Instant::now();
    let done = loop {
        let (_, view) = get(&client, &format!("{api}/v1/jobs/{id}")).await;
        if matches!(view["status"].as_str(), Some("succeeded" | "failed" | "cancelled")) {
            break view;
        }
        if last_report.elapsed() > Duration::from_secs(600) {
            eprintln!(
                "  {:.0} min: {}/{} stages done",
                started.elapsed().as_secs_f64() / 60.0,
                view["progress"]["stages_done"],
                view["progress"]["stages_total"]
            );
            last_report = Instant::now();
        }
        assert!(started.elapsed().as_secs() < RUN_LIMIT_SECS, "the run took too long: {view:#}");
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    let wall_secs = started.elapsed().as_secs_f64();
    assert_eq!(done["status"], "succeeded", "{done:#}");
    let (status, proof) = get(&client, &format!("{api}/v1/jobs/{id}/proof")).await;
    assert_eq!(status, 200, "the job has no verified proof: {proof}");
    report(workers, &done, wall_secs)
}

#[tokio::main]
async fn main() {
    circuits::memory::tune_allocator();
    let memory = env_or("BENCH_PROVE_MEMORY", "23GiB");
    let counts: Vec<usize> = env_or("BENCH_PROVE_WORKERS", "1,2")
        .split(',')
        .map(|c| c.trim().parse().expect("BENCH_PROVE_WORKERS: counts such as 1,2"))
        .collect();
    let mut l2 = None;
    let job = match env_or("BENCH_PROVE_JOB", "block").as_str() {
        "program" => Job::Program { n: env_or("BENCH_PROVE_N", "20000").parse().unwrap() },
        "block" => {
            let anvil = Anvil::start().await;
            let receipt = anvil
                .send(json!({"to": "0x000000000000000000000000000000000000dEaD", "value": "0x1"}))
                .await;
            assert_eq!(receipt["status"], "0x1");
            let job = Job::Block {
                rpc_url: anvil.url.clone(),
                number: parse_u64(&receipt["blockNumber"]),
            };
            l2 = Some(anvil);
            job
        }
        other => panic!("BENCH_PROVE_JOB: `block` or `program`, not `{other}`"),
    };
    println!("proving {} with {counts:?} worker(s), {memory} shared", job.describe());

    let keys = tempfile::tempdir().unwrap();
    let verifier = keys.path().join("Halo2Verifier.sol");
    let started = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_prover-service"))
        .args(["export-verifier", "--out", verifier.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success(), "export-verifier: {status}");
    println!("every key made or read: {:.0}s", started.elapsed().as_secs_f64());

    let mut figures = Vec::new();
    for (index, &workers) in counts.iter().enumerate() {
        println!("run {}: {workers} worker process(es)", index + 1);
        figures.push(run(&job, workers, &memory, index).await);
    }
    if let Some(first) = figures.first() {
        for run in &figures[1..] {
            println!(
                "{} worker(s) against {}: {:.2}x the speed (wall {:.0}s against {:.0}s; stage \
                 times {:.0}s against {:.0}s)",
                run.workers,
                first.workers,
                first.wall_secs / run.wall_secs,
                run.wall_secs,
                first.wall_secs,
                run.stage_secs,
                first.stage_secs
            );
        }
    }
    drop(l2);
}
