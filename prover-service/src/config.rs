//! The service configuration: one typed struct whose `Default` is the only source of
//! defaults, overlaid by an optional TOML file, then by environment variables and flags
//! (clap reads both; flags win).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use serde::{Deserialize, Serialize};
use stateless::Fork;

use alloy_primitives::Address;

use crate::http_client::TlsOptions;
use crate::l1::SubmitterOptions;
use crate::model::Mode;
use crate::node::NodeOptions;

/// Everything `serve` and `worker` need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceConfig {
    /// Where the HTTP API listens.
    pub listen: SocketAddr,
    /// `sqlite://PATH` (the default, created on first start) or `postgres://...`.
    pub database_url: String,
    /// Connections in the database pool.
    pub database_connections: u32,
    /// Where artifacts (inputs, ELFs, results, proofs) live: `directory` (the default
    /// with SQLite) or `database`, the job store itself (the default with PostgreSQL,
    /// so that every machine of a fleet reaches them).
    pub artifacts: Option<ArtifactLocation>,
    /// The content-addressed artifact directory (`artifacts = "directory"`).
    pub artifacts_dir: PathBuf,
    /// The L2 node's JSON-RPC URL (needed to submit blocks by number or hash).
    pub rpc_url: Option<String>,
    /// A PEM file of root certificates trusted, beyond the system's, by https
    /// connections to the L2 node and to L1 (a private CA or a self-signed endpoint).
    pub ca_file: Option<PathBuf>,
    /// The fork the L2 chain runs (`shanghai`, `cancun` or `prague`).
    pub fork: String,
    /// When set, mutating requests need `Authorization: Bearer <key>`.
    pub api_key: Option<String>,
    /// Stages run at once by this process (0: serve the API only).
    pub workers: usize,
    /// How long a claimed stage stays leased without a heartbeat, in milliseconds.
    pub lease_ms: u64,
    /// Attempts per stage.
    pub max_attempts: u32,
    /// The first retry's delay, doubled at each further attempt, in milliseconds.
    pub retry_backoff_ms: u64,
    /// How often an idle worker looks for work, in milliseconds.
    pub poll_ms: u64,
    /// The largest request body, in bytes.
    pub body_limit_bytes: usize,
    /// Queued stages above which submissions are refused with 429.
    pub max_queued: i64,
    /// Per-request timeout for the node, in milliseconds.
    pub rpc_timeout_ms: u64,
    /// Retries per node request.
    pub rpc_retries: u32,
    /// Follow the node's new heads (needs `rpc_url`).
    pub follow: bool,
    /// The first block to follow (default: the node's head at start).
    pub follow_from: Option<u64>,
    /// How often the follower polls, in milliseconds.
    pub follow_poll_ms: u64,
    /// The mode of the follower's jobs: `execute`, or `prove` (each block proved and,
    /// with a rollup configured, submitted to L1).
    pub follow_mode: Mode,
    /// L1's JSON-RPC URL: with `rollup_address`, this process submits block proofs.
    pub l1_rpc_url: Option<String>,
    /// The `Rollup` contract on L1, `0x…`.
    pub rollup_address: Option<String>,
    /// A file holding the submitter's private key (hex); without one the key is read
    /// from `$PROVER_L1_PRIVATE_KEY`. The key is never written to logs or to this
    /// configuration.
    pub l1_key_file: Option<PathBuf>,
    /// How often the submitter looks at L1, in milliseconds.
    pub l1_poll_ms: u64,
    /// How long a submission may stay unmined before it is replaced, in milliseconds.
    pub l1_bump_after_ms: u64,
    /// How much each replacement raises the fees, in percent (at least 10).
    pub l1_fee_bump_percent: u32,
    /// The highest max fee per gas the submitter offers, in gwei.
    pub l1_max_fee_gwei: u64,
    /// Reverted transactions before a submission fails.
    pub l1_max_attempts: u32,
    /// This process's memory budget, in MiB, shared by all its workers: a worker claims
    /// only the stages whose measured peak fits beside the stages the others are running
    /// (none: every stage). Run one process per machine with `--workers N` and the
    /// machine's memory here, or name one `memory_ledger` in every process.
    pub max_memory_mib: Option<u64>,
    /// A file that makes `max_memory_mib` one budget for every process on the machine
    /// that names it (see [`crate::worker::MemoryBudget`]).
    pub memory_ledger: Option<PathBuf>,
    /// Directory of real KZG parameters (`kzg_bn254_{k}.srs`) for proving stages.
    /// Without it, INSECURE development parameters are generated from a public seed.
    pub params_dir: Option<PathBuf>,
    /// Where this machine caches proving keys (default `$ZKVM_KEYS_DIR` or
    /// `~/.cache/zk-rollup-prover/keys`).
    pub keys_dir: Option<PathBuf>,
    /// The `prover-service` executable a proving stage runs as its child (default: this
    /// process's own executable; set it when the service is embedded in another one).
    pub prover_exe: Option<PathBuf>,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://data/prover.db".to_string(),
            database_connections: 8,
            artifacts: None,
            artifacts_dir: PathBuf::from("data/artifacts"),
            rpc_url: None,
            ca_file: None,
            fork: "prague".to_string(),
            api_key: None,
            workers: 1,
            lease_ms: 30_000,
            max_attempts: 3,
            retry_backoff_ms: 2_000,
            poll_ms: 500,
            body_limit_bytes: 32 << 20,
            max_queued: 10_000,
            rpc_timeout_ms: 10_000,
            rpc_retries: 3,
            follow: false,
            follow_from: None,
            follow_poll_ms: 2_000,
            follow_mode: Mode::Execute,
            l1_rpc_url: None,
            rollup_address: None,
            l1_key_file: None,
            l1_poll_ms: 2_000,
            l1_bump_after_ms: 60_000,
            l1_fee_bump_percent: 20,
            l1_max_fee_gwei: 500,
            l1_max_attempts: 5,
            max_memory_mib: None,
            memory_ledger: None,
            params_dir: None,
            keys_dir: None,
            prover_exe: None,
        }
    }
}

/// Where artifacts live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactLocation {
    /// Files under `artifacts_dir` on this machine.
    Directory,
    /// The job store's `artifacts` table.
    Database,
}

/// Why the configuration is unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("reading {0}: {1}")]
    Read(PathBuf, std::io::Error),
    /// The file is not valid TOML for [`ServiceConfig`].
    #[error("{0}: {1}")]
    Parse(PathBuf, toml::de::Error),
    /// A value is out of range.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl ServiceConfig {
    /// The defaults overlaid by the file at `path`.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| ConfigError::Read(path.to_path_buf(), e))?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse(path.to_path_buf(), e))
    }

    /// Checks the values and returns the fork.
    pub fn validate(&self) -> Result<Fork, ConfigError> {
        let fork = match self.fork.as_str() {
            "shanghai" => Fork::Shanghai,
            "cancun" => Fork::Cancun,
            "prague" => Fork::Prague,
            other => return Err(ConfigError::Invalid(format!("unknown fork `{other}`"))),
        };
        if self.lease_ms < 500 {
            return Err(ConfigError::Invalid("lease_ms must be at least 500".into()));
        }
        if self.max_attempts == 0 {
            return Err(ConfigError::Invalid("max_attempts must be at least 1".into()));
        }
        if self.follow && self.rpc_url.is_none() {
            return Err(ConfigError::Invalid("following needs rpc_url".into()));
        }
        if self.l1_rpc_url.is_some() && self.rollup_address.is_none() {
            return Err(ConfigError::Invalid("submitting to L1 needs rollup_address".into()));
        }
        self.rollup()?;
        if self.l1_fee_bump_percent < 10 {
            return Err(ConfigError::Invalid(
                "l1_fee_bump_percent must be at least 10 (nodes refuse smaller replacements)"
                    .into(),
            ));
        }
        if self.l1_max_attempts == 0 {
            return Err(ConfigError::Invalid("l1_max_attempts must be at least 1".into()));
        }
        Ok(fork)
    }

    /// Where artifacts live: as configured, else in the database with PostgreSQL (workers
    /// on other machines must reach them) and in the directory with SQLite.
    pub fn artifact_location(&self) -> ArtifactLocation {
        self.artifacts.unwrap_or(if self.database_url.starts_with("sqlite:") {
            ArtifactLocation::Directory
        } else {
            ArtifactLocation::Database
        })
    }

    /// The rollup contract, when L1 submission is configured.
    pub fn rollup(&self) -> Result<Option<Address>, ConfigError> {
        self.rollup_address
            .as_deref()
            .map(|text| {
                text.parse().map_err(|_| {
                    ConfigError::Invalid(format!("rollup_address `{text}` is not an address"))
                })
            })
            .transpose()
    }

    /// The submitter's pacing and pricing.
    pub fn submitter_options(&self) -> SubmitterOptions {
        SubmitterOptions {
            poll: Duration::from_millis(self.l1_poll_ms),
            bump_after: Duration::from_millis(self.l1_bump_after_ms),
            fee_bump_percent: self.l1_fee_bump_percent,
            max_fee_per_gas: u128::from(self.l1_max_fee_gwei) * 1_000_000_000,
            max_attempts: self.l1_max_attempts,
            lease: Duration::from_millis(self.lease_ms),
            ..SubmitterOptions::default()
        }
    }

    /// What https connections trust.
    pub fn tls(&self) -> TlsOptions {
        TlsOptions { ca_file: self.ca_file.clone() }
    }

    /// The node client's options.
    pub fn node_options(&self) -> NodeOptions {
        NodeOptions {
            timeout: Duration::from_millis(self.rpc_timeout_ms),
            retries: self.rpc_retries,
            tls: self.tls(),
            ..NodeOptions::default()
        }
    }
}

/// Command-line flags and environment variables over the file and the defaults.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigArgs {
    /// A TOML file with any of the settings below (snake_case keys).
    #[arg(long, env = "PROVER_CONFIG")]
    pub config: Option<PathBuf>,
    /// Listen address of the HTTP API.
    #[arg(long, env = "PROVER_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Database URL: sqlite://PATH or postgres://...
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Where artifacts live: directory or database (default: database with PostgreSQL,
    /// directory with SQLite).
    #[arg(long, env = "PROVER_ARTIFACTS", value_enum)]
    pub artifacts: Option<ArtifactLocation>,
    /// Artifact directory.
    #[arg(long, env = "PROVER_ARTIFACTS_DIR")]
    pub artifacts_dir: Option<PathBuf>,
    /// The L2 node's JSON-RPC URL.
    #[arg(long, env = "PROVER_RPC_URL")]
    pub rpc_url: Option<String>,
    /// PEM root certificates trusted beyond the system's (https to L2 and L1).
    #[arg(long, env = "PROVER_CA_FILE")]
    pub ca_file: Option<PathBuf>,
    /// The L2 chain's fork: shanghai, cancun or prague.
    #[arg(long, env = "PROVER_FORK")]
    pub fork: Option<String>,
    /// API key for mutating requests.
    #[arg(long, env = "PROVER_API_KEY")]
    pub api_key: Option<String>,
    /// Stages run at once (0: no workers in this process).
    #[arg(long, env = "PROVER_WORKERS")]
    pub workers: Option<usize>,
    /// Stage lease, in milliseconds.
    #[arg(long, env = "PROVER_LEASE_MS")]
    pub lease_ms: Option<u64>,
    /// Attempts per stage.
    #[arg(long, env = "PROVER_MAX_ATTEMPTS")]
    pub max_attempts: Option<u32>,
    /// First retry delay, in milliseconds.
    #[arg(long, env = "PROVER_RETRY_BACKOFF_MS")]
    pub retry_backoff_ms: Option<u64>,
    /// Idle poll interval of workers, in milliseconds.
    #[arg(long, env = "PROVER_POLL_MS")]
    pub poll_ms: Option<u64>,
    /// Largest request body, in bytes.
    #[arg(long, env = "PROVER_BODY_LIMIT_BYTES")]
    pub body_limit_bytes: Option<usize>,
    /// Queued stages above which submissions get 429.
    #[arg(long, env = "PROVER_MAX_QUEUED")]
    pub max_queued: Option<i64>,
    /// Node request timeout, in milliseconds.
    #[arg(long, env = "PROVER_RPC_TIMEOUT_MS")]
    pub rpc_timeout_ms: Option<u64>,
    /// Retries per node request.
    #[arg(long, env = "PROVER_RPC_RETRIES")]
    pub rpc_retries: Option<u32>,
    /// Follow the node at this URL (sets rpc_url and turns following on).
    #[arg(long, env = "PROVER_FOLLOW")]
    pub follow: Option<String>,
    /// First block to follow.
    #[arg(long, env = "PROVER_FOLLOW_FROM")]
    pub follow_from: Option<u64>,
    /// Follower poll interval, in milliseconds.
    #[arg(long, env = "PROVER_FOLLOW_POLL_MS")]
    pub follow_poll_ms: Option<u64>,
    /// The follower's job mode: execute or prove.
    #[arg(long = "mode", env = "PROVER_FOLLOW_MODE", value_parser = parse_mode)]
    pub follow_mode: Option<Mode>,
    /// L1's JSON-RPC URL (with --rollup-address: submit block proofs).
    #[arg(long, env = "PROVER_L1_RPC_URL")]
    pub l1_rpc_url: Option<String>,
    /// The Rollup contract on L1.
    #[arg(long, env = "PROVER_ROLLUP_ADDRESS")]
    pub rollup_address: Option<String>,
    /// File with the L1 signing key (hex); default: $PROVER_L1_PRIVATE_KEY.
    #[arg(long, env = "PROVER_L1_KEY_FILE")]
    pub l1_key_file: Option<PathBuf>,
    /// Submitter poll interval, in milliseconds.
    #[arg(long, env = "PROVER_L1_POLL_MS")]
    pub l1_poll_ms: Option<u64>,
    /// Unmined time before a fee bump, in milliseconds.
    #[arg(long, env = "PROVER_L1_BUMP_AFTER_MS")]
    pub l1_bump_after_ms: Option<u64>,
    /// Fee raise per replacement, in percent.
    #[arg(long, env = "PROVER_L1_FEE_BUMP_PERCENT")]
    pub l1_fee_bump_percent: Option<u32>,
    /// Highest max fee per gas, in gwei.
    #[arg(long, env = "PROVER_L1_MAX_FEE_GWEI")]
    pub l1_max_fee_gwei: Option<u64>,
    /// Reverted transactions before a submission fails.
    #[arg(long, env = "PROVER_L1_MAX_ATTEMPTS")]
    pub l1_max_attempts: Option<u32>,
    /// Memory budget of this process's workers together, e.g. `24GiB` or `12000MiB`: a
    /// worker claims only stages whose measured peak fits beside the running ones.
    #[arg(long = "max-memory", env = "PROVER_MAX_MEMORY", value_parser = parse_mib)]
    pub max_memory_mib: Option<u64>,
    /// A file shared by every worker process on this machine, so that `--max-memory` is
    /// one budget for all of them (e.g. `/run/zk-rollup-prover/memory.ledger`).
    #[arg(long, env = "PROVER_MEMORY_LEDGER")]
    pub memory_ledger: Option<PathBuf>,
    /// Directory of real KZG parameters for proving (default: INSECURE development ones).
    #[arg(long, env = "PROVER_PARAMS_DIR")]
    pub params_dir: Option<PathBuf>,
    /// Proving-key cache directory.
    #[arg(long, env = "PROVER_KEYS_DIR")]
    pub keys_dir: Option<PathBuf>,
    /// The `prover-service` executable proving stages run (default: this one).
    #[arg(long, env = "PROVER_EXE")]
    pub prover_exe: Option<PathBuf>,
}

fn parse_mode(text: &str) -> Result<Mode, String> {
    Mode::parse(text).ok_or_else(|| format!("no mode `{text}`: execute or prove"))
}

/// `16GiB`, `16G`, `12000MiB`, `12000M` or a bare number of MiB, as MiB.
fn parse_mib(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let value: u64 = digits.parse().map_err(|_| format!("`{text}` is not a size like 16GiB"))?;
    let scale = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "m" | "mib" | "mb" => 1,
        "g" | "gib" | "gb" => 1024,
        "t" | "tib" | "tb" => 1024 * 1024,
        other => return Err(format!("unknown unit `{other}`: use MiB or GiB")),
    };
    value.checked_mul(scale).ok_or_else(|| format!("`{text}` is too large"))
}

impl ConfigArgs {
    /// Defaults, then the file, then these values; checked.
    pub fn resolve(&self) -> Result<ServiceConfig, ConfigError> {
        let mut c = match &self.config {
            Some(path) => ServiceConfig::from_file(path)?,
            None => ServiceConfig::default(),
        };
        macro_rules! overlay {
            ($($field:ident),*) => { $( if let Some(v) = &self.$field { c.$field = v.clone(); } )* };
        }
        overlay!(
            listen,
            database_url,
            artifacts_dir,
            fork,
            workers,
            lease_ms,
            max_attempts,
            retry_backoff_ms,
            poll_ms,
            body_limit_bytes,
            max_queued,
            rpc_timeout_ms,
            rpc_retries,
            follow_poll_ms,
            follow_mode,
            l1_poll_ms,
            l1_bump_after_ms,
            l1_fee_bump_percent,
            l1_max_fee_gwei,
            l1_max_attempts
        );
        macro_rules! overlay_optional {
            ($($field:ident),*) => { $( if let Some(v) = &self.$field { c.$field = Some(v.clone()); } )* };
        }
        overlay_optional!(
            rpc_url,
            artifacts,
            api_key,
            follow_from,
            ca_file,
            l1_rpc_url,
            rollup_address,
            l1_key_file,
            max_memory_mib,
            memory_ledger,
            params_dir,
            keys_dir,
            prover_exe
        );
        if let Some(url) = &self.follow {
            c.rpc_url = Some(url.clone());
            c.follow = true;
        }
        c.validate()?;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn file_then_flags_over_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("prover.toml");
        std::fs::write(&file, "workers = 4\nfork = \"cancun\"\nlease_ms = 9000\n").unwrap();
        let args = ConfigArgs {
            config: Some(file.clone()),
            workers: Some(2),
            follow: Some("http://127.0.0.1:8545".into()),
            ..ConfigArgs::default()
        };
        let config = args.resolve().unwrap();
        assert_eq!(config.workers, 2, "the flag wins over the file");
        assert_eq!(config.fork, "cancun", "the file wins over the default");
        assert_eq!(config.lease_ms, 9000);
        assert!(config.follow);
        assert_eq!(config.rpc_url.as_deref(), Some("http://127.0.0.1:8545"));
        assert_eq!(config.poll_ms, ServiceConfig::default().poll_ms);

        std::fs::write(&file, "wokers = 4\n").unwrap();
        let error = ConfigArgs { config: Some(file), ..ConfigArgs::default() }.resolve();
        assert!(matches!(error, Err(ConfigError::Parse(..))), "unknown keys are refused");
        let bad_fork = ConfigArgs { fork: Some("london".into()), ..ConfigArgs::default() };
        assert!(matches!(bad_fork.resolve(), Err(ConfigError::Invalid(_))));
    }

    #[test]
    fn artifacts_follow_the_database_unless_configured() {
        let sqlite = ServiceConfig::default();
        assert_eq!(sqlite.artifact_location(), ArtifactLocation::Directory);
        let postgres = ServiceConfig { database_url: "postgres://db/prover".into(), ..sqlite };
        assert_eq!(postgres.artifact_location(), ArtifactLocation::Database);
        let chosen = ServiceConfig { artifacts: Some(ArtifactLocation::Directory), ..postgres };
        assert_eq!(chosen.artifact_location(), ArtifactLocation::Directory);
        let parsed: ServiceConfig = toml::from_str("artifacts = \"database\"\n").unwrap();
        assert_eq!(parsed.artifact_location(), ArtifactLocation::Database);
    }

    #[test]
    fn memory_budgets_read_with_their_units() {
        assert_eq!(parse_mib("16GiB"), Ok(16_384));
        assert_eq!(parse_mib("16g"), Ok(16_384));
        assert_eq!(parse_mib("12000MiB"), Ok(12_000));
        assert_eq!(parse_mib("512"), Ok(512));
        assert!(parse_mib("16 lots").is_err());
        assert!(parse_mib("GiB").is_err());
        assert!(parse_mib("99999999999999999999T").is_err());
    }
}
