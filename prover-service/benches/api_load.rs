//! Load test of the HTTP API on loopback: job submissions per second (each a distinct
//! block, sent as a guest input, so every request decodes the input, stores an artifact
//! and inserts a job and its first stage) and status reads per second, with 32 concurrent
//! clients, on SQLite and, when `BENCH_DATABASE_URL` or `PROVER_TEST_DATABASE_URL` names
//! a PostgreSQL server, on PostgreSQL. No workers run, so only the API and the store are
//! measured. `make bench-service` runs it.
#![allow(clippy::unwrap_used, missing_docs)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_consensus::{Block, BlockBody, Header, TxEnvelope};
use prover_service::config::ServiceConfig;
use prover_service::service::{start, Role};
use serde_json::json;
use stateless::{ChainConfig, Fork, GuestInput};

const CLIENTS: usize = 32;
const SUBMISSIONS: usize = 4_000;
const READ_SECONDS: u64 = 5;

fn guest_input(number: u64) -> String {
    let header = Header { number, ..Header::default() };
    let block = Block::<TxEnvelope>::new(header, BlockBody::default());
    let input = GuestInput {
        chain: ChainConfig::new(1, Fork::Prague),
        block: alloy_rlp::encode(&block).into(),
        parent: Header::default(),
        state: Vec::new(),
        codes: Vec::new(),
        ancestors: Vec::new(),
    };
    format!("0x{}", hex::encode(input.to_bytes()))
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index].as_secs_f64() * 1e3
}

async fn run(label: &str, database_url: String) {
    let dir = tempfile::tempdir().unwrap();
    let config = ServiceConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url,
        database_connections: 16,
        artifacts_dir: dir.path().join("artifacts"),
        workers: 0,
        max_queued: i64::MAX,
        ..ServiceConfig::default()
    };
    let running = start(config, Role::Serve).await.unwrap();
    let api = format!("http://{}", running.addr.unwrap());
    let client = reqwest::Client::new();
    let bodies: Arc<Vec<String>> = Arc::new(
        (0..SUBMISSIONS as u64)
            .map(|n| json!({"guest_input": guest_input(n + 1), "mode": "execute"}).to_string())
            .collect(),
    );

    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..CLIENTS {
        let (client, api, bodies, next) =
            (client.clone(), api.clone(), bodies.clone(), next.clone());
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let mut ids = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                let sent = Instant::now();
                let response = client
                    .post(format!("{api}/v1/jobs"))
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status().as_u16(), 201);
                let job: serde_json::Value = response.json().await.unwrap();
                latencies.push(sent.elapsed());
                ids.push(job["id"].as_str().unwrap().to_string());
            }
            (latencies, ids)
        });
    }
    let mut latencies = Vec::new();
    let mut ids = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (l, i) = done.unwrap();
        latencies.extend(l);
        ids.extend(i);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    println!(
        "{label}: submissions  {:>8.0}/s  ({SUBMISSIONS} jobs, {CLIENTS} clients; p50 {:.1} ms, p99 {:.1} ms)",
        SUBMISSIONS as f64 / elapsed,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99)
    );

    let ids = Arc::new(ids);
    let deadline = Instant::now() + Duration::from_secs(READ_SECONDS);
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..CLIENTS {
        let (client, api, ids) = (client.clone(), api.clone(), ids.clone());
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            let mut i = c * 7919;
            while Instant::now() < deadline {
                i = (i + 104_729) % ids.len();
                let sent = Instant::now();
                let response =
                    client.get(format!("{api}/v1/jobs/{}", ids[i])).send().await.unwrap();
                assert_eq!(response.status().as_u16(), 200);
                response.bytes().await.unwrap();
                latencies.push(sent.elapsed());
            }
            latencies
        });
    }
    let mut reads = Vec::new();
    while let Some(done) = tasks.join_next().await {
        reads.extend(done.unwrap());
    }
    reads.sort();
    println!(
        "{label}: status reads {:>8.0}/s  ({} reads in {READ_SECONDS} s; p50 {:.1} ms, p99 {:.1} ms)",
        reads.len() as f64 / READ_SECONDS as f64,
        reads.len(),
        percentile(&reads, 0.5),
        percentile(&reads, 0.99)
    );
    running.stop().await;
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    run("sqlite    ", format!("sqlite://{}", dir.path().join("bench.db").display())).await;
    let pg =
        std::env::var("BENCH_DATABASE_URL").or_else(|_| std::env::var("PROVER_TEST_DATABASE_URL"));
    match pg {
        Ok(admin) => {
            let name = format!("prover_bench_{}", std::process::id());
            run("postgresql", support::create_database(&admin, &name).await).await;
        }
        Err(_) => {
            println!("postgresql: skipped (set BENCH_DATABASE_URL or run `make bench-service`)")
        }
    }
    println!("peak memory (whole process, server and clients): {:.0} MiB", peak_rss_mib());
}
