//! The service configuration: one typed struct whose `Default` is the only source of
//! defaults, overlaid by an optional TOML file, then by environment variables and flags
//! (clap reads both; flags win).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use serde::{Deserialize, Serialize};
use stateless::Fork;

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
    /// The content-addressed artifact directory.
    pub artifacts_dir: PathBuf,
    /// The L2 node's JSON-RPC URL (needed to submit blocks by number or hash).
    pub rpc_url: Option<String>,
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
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://data/prover.db".to_string(),
            database_connections: 8,
            artifacts_dir: PathBuf::from("data/artifacts"),
            rpc_url: None,
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
        }
    }
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
        Ok(fork)
    }

    /// The node client's options.
    pub fn node_options(&self) -> NodeOptions {
        NodeOptions {
            timeout: Duration::from_millis(self.rpc_timeout_ms),
            retries: self.rpc_retries,
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
    /// Artifact directory.
    #[arg(long, env = "PROVER_ARTIFACTS_DIR")]
    pub artifacts_dir: Option<PathBuf>,
    /// The L2 node's JSON-RPC URL.
    #[arg(long, env = "PROVER_RPC_URL")]
    pub rpc_url: Option<String>,
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
            follow_poll_ms
        );
        if let Some(url) = &self.rpc_url {
            c.rpc_url = Some(url.clone());
        }
        if let Some(key) = &self.api_key {
            c.api_key = Some(key.clone());
        }
        if let Some(url) = &self.follow {
            c.rpc_url = Some(url.clone());
            c.follow = true;
        }
        if let Some(from) = self.follow_from {
            c.follow_from = Some(from);
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
}
