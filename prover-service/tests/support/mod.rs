//! Real components for the service tests: anvil (npm `@foundry-rs/anvil`, installed into
//! `tools/` by `make deps`), PostgreSQL (started by `make test`, `scripts/postgres.sh`)
//! and the `prover-service` binary itself, each on loopback and stopped on drop.
#![allow(dead_code, unused_imports, unreachable_pub, clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub use testkit::anvil::{free_port, parse_u64, Anvil};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Deploys `runtime` (hex, no 0x) and returns the contract address.
pub async fn deploy(anvil: &Anvil, runtime: &str) -> String {
    let len = runtime.len() / 2;
    assert!(len < 256);
    // PUSH1 len PUSH1 12 PUSH1 0 CODECOPY PUSH1 len PUSH1 0 RETURN, then the runtime.
    let init = format!("60{len:02x}600c60003960{len:02x}6000f3{runtime}");
    let receipt = anvil.send(json!({"data": format!("0x{init}"), "gas": "0x100000"})).await;
    assert_eq!(receipt["status"], "0x1", "deployment succeeded");
    receipt["contractAddress"].as_str().unwrap().to_string()
}

/// SSTORE(calldata[0..32], calldata[32..64]).
pub const STORE_RUNTIME: &str = "6020356000355500";
/// Loops calldata[0..32] times (40 gas an iteration).
pub const BURN_RUNTIME: &str = "6000355b8015601057600190036003565b00";

/// A database for one test: a fresh SQLite file, or a fresh PostgreSQL database.
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backends to test on: SQLite, and PostgreSQL when `PROVER_TEST_DATABASE_URL` is
/// set (`make test` sets it). Under CI a missing PostgreSQL fails the test.
pub fn backends() -> Vec<Backend> {
    let mut backends = vec![Backend::Sqlite];
    match std::env::var("PROVER_TEST_DATABASE_URL") {
        Ok(_) => backends.push(Backend::Postgres),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!(
                "PROVER_TEST_DATABASE_URL is not set under CI: run the tests through `make test`"
            )
        }
        Err(_) => eprintln!("PROVER_TEST_DATABASE_URL is not set: PostgreSQL is not tested"),
    }
    backends
}

/// A fresh database URL on `backend`, under `dir` for SQLite.
pub async fn database_url(backend: &Backend, dir: &Path) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.join("jobs.db").display()),
        Backend::Postgres => {
            let admin = std::env::var("PROVER_TEST_DATABASE_URL").unwrap();
            create_database(&admin, &format!("prover_test_{:016x}", rand_u64())).await
        }
    }
}

/// Creates database `name` on the PostgreSQL server of `admin` (a connection URL);
/// returns the new database's URL.
pub async fn create_database(admin: &str, name: &str) -> String {
    use sqlx::Connection as _;
    let mut conn = sqlx::PgConnection::connect(admin).await.unwrap();
    sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str()).await.unwrap();
    conn.close().await.unwrap();
    let base = admin.rsplit_once('/').unwrap().0;
    format!("{base}/{name}")
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher as _, Hasher as _};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos(),
    );
    h.finish()
}

/// A `prover-service` process.
pub struct Process {
    child: Child,
    /// The API's base URL (for `serve`).
    pub url: Option<String>,
}

impl Process {
    /// Runs `prover-service <command> <args>` with a free port; waits for the API.
    pub fn start(command: &str, args: &[&str]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_prover-service"));
        cmd.arg(command)
            .args(args)
            .env("RUST_LOG", std::env::var("TEST_CHILD_LOG").unwrap_or_else(|_| "warn".into()))
            .stderr(Stdio::inherit());
        if command == "serve" {
            cmd.args(["--listen", "127.0.0.1:0"]).stdout(Stdio::piped());
        } else {
            cmd.stdout(Stdio::null());
        }
        let mut child = cmd.spawn().unwrap();
        let url = if command == "serve" {
            let stdout = child.stdout.take().unwrap();
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).unwrap();
            let url = line
                .trim()
                .strip_prefix("listening on ")
                .unwrap_or_else(|| panic!("serve did not start: `{line}`"));
            Some(url.to_string())
        } else {
            None
        };
        Self { child, url }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The API base URL.
    pub fn api(&self) -> &str {
        self.url.as_deref().unwrap()
    }

    /// SIGKILL: the process dies mid-work, as a crashed machine would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits for the graceful stop.
    pub fn terminate(&mut self) {
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// POSTs `body` (JSON or raw text) and returns the status and the JSON answer.
pub async fn post(client: &reqwest::Client, url: &str, body: &Value) -> (u16, Value) {
    let response = client.post(url).json(body).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// GETs `url`.
pub async fn get(client: &reqwest::Client, url: &str) -> (u16, Value) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Polls job `id` until `done` holds of it, for at most `seconds`.
pub async fn wait_for(
    client: &reqwest::Client,
    api: &str,
    id: &str,
    seconds: u64,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        let (_, job) = get(client, &format!("{api}/v1/jobs/{id}")).await;
        if done(&job) {
            return job;
        }
        assert!(Instant::now() < deadline, "job {id} did not get there in {seconds}s: {job:#}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Polls job `id` until it has ended; returns it.
pub async fn wait_until_final(
    client: &reqwest::Client,
    api: &str,
    id: &str,
    seconds: u64,
) -> Value {
    wait_for(client, api, id, seconds, |job| {
        matches!(job["status"].as_str(), Some("succeeded" | "failed" | "cancelled"))
    })
    .await
}
