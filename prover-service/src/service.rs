//! Wiring: the store, artifacts, node, guest, API server, workers, follower and L1
//! submitter of one process, started from a [`ServiceConfig`] and stopped together.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use anyhow::Context as _;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::api::{self, AppState};
use crate::artifacts::{Artifacts, DirectoryStore};
use crate::config::ArtifactLocation;
use crate::config::ServiceConfig;
use crate::follower::Follower;
use crate::l1::{load_signer, L1Client, Submitter};
use crate::node::NodeClient;
use crate::store::JobStore;
use crate::worker::{run_workers, BlockValidator, WorkerContext};

/// Stage-duration histogram buckets, in seconds.
const DURATION_BUCKETS: [f64; 12] =
    [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0];

/// What a process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The HTTP API, with `config.workers` workers and the follower when configured.
    Serve,
    /// Workers only (`config.workers`, at least one).
    Worker,
}

/// A started process: its API address (for `Serve`) and a handle to stop it.
pub struct Running {
    /// Where the API listens.
    pub addr: Option<SocketAddr>,
    shutdown: CancellationToken,
    tasks: JoinSet<()>,
}

impl Running {
    /// Stops everything and waits for it.
    pub async fn stop(mut self) {
        self.shutdown.cancel();
        while self.tasks.join_next().await.is_some() {}
    }

    /// Runs until SIGINT or SIGTERM, then stops.
    pub async fn run_until_signal(self) {
        wait_for_signal().await;
        tracing::info!("shutting down");
        self.stop().await;
    }
}

async fn wait_for_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
        match term {
            Ok(mut term) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

/// The process-wide Prometheus recorder (installed once).
fn metrics_handle() -> anyhow::Result<PrometheusHandle> {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let recorder = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full("prover_stage_duration_seconds".to_string()),
            &DURATION_BUCKETS,
        )
        .context("metric buckets")?
        .build_recorder();
    let handle = recorder.handle();
    // A second caller (another service in the same process) reuses the first recorder.
    if metrics::set_global_recorder(recorder).is_err() {
        return HANDLE.get().cloned().context("a foreign metrics recorder is installed");
    }
    Ok(HANDLE.get_or_init(|| handle).clone())
}

/// The L1 submitter `config` asks for, if any.
async fn l1_submitter(
    config: &ServiceConfig,
    store: &JobStore,
) -> anyhow::Result<Option<Submitter>> {
    let (Some(url), Some(rollup)) = (&config.l1_rpc_url, config.rollup()?) else {
        return Ok(None);
    };
    let signer = load_signer(config.l1_key_file.as_deref())?;
    let chain = L1Client::new(
        url,
        rollup,
        &config.tls(),
        std::time::Duration::from_millis(config.rpc_timeout_ms),
    )?;
    let owner = format!("{}-{}", std::process::id(), crate::model::now_ms());
    let submitter = Submitter::new(store.clone(), chain, signer, owner, config.submitter_options())
        .await
        .with_context(|| format!("connecting to L1 at {url}"))?;
    Ok(Some(submitter))
}

/// Starts `role` with `config`.
pub async fn start(config: ServiceConfig, role: Role) -> anyhow::Result<Running> {
    let fork = config.validate()?;
    let config = Arc::new(config);
    let store = JobStore::connect(&config.database_url, config.database_connections)
        .await
        .with_context(|| format!("opening the job store at {}", config.database_url))?;
    let artifacts = match config.artifact_location() {
        ArtifactLocation::Directory => Artifacts::Directory(
            DirectoryStore::open(&config.artifacts_dir)
                .with_context(|| format!("opening {}", config.artifacts_dir.display()))?,
        ),
        ArtifactLocation::Database => Artifacts::Database(store.clone()),
    };
    let node = config
        .rpc_url
        .as_deref()
        .map(|url| NodeClient::new(url, config.node_options()))
        .transpose()?;
    let validator = Arc::new(BlockValidator::embedded().context("loading the block-validator")?);
    let shutdown = CancellationToken::new();
    let mut tasks = JoinSet::new();
    let mut addr = None;

    if role == Role::Serve {
        let state = AppState {
            store: store.clone(),
            artifacts: artifacts.clone(),
            node: node.clone(),
            program_id: validator.program_id.clone(),
            config: config.clone(),
            metrics: metrics_handle()?,
            chain_id: Arc::default(),
        };
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("binding {}", config.listen))?;
        addr = Some(listener.local_addr()?);
        let app = api::router(state);
        let stop = shutdown.clone();
        tasks.spawn(async move {
            let server = axum::serve(listener, app)
                .with_graceful_shutdown(async move { stop.cancelled().await });
            if let Err(e) = server.await {
                tracing::error!(error = %e, "the HTTP server failed");
            }
        });
        if config.follow {
            if let Some(node) = node.clone() {
                let follower = Follower::new(
                    store.clone(),
                    node,
                    validator.program_id.clone(),
                    config.clone(),
                );
                tasks.spawn(follower.run(shutdown.clone()));
            }
        }
    } else {
        metrics_handle()?;
    }

    if role == Role::Serve {
        if let Some(submitter) = l1_submitter(&config, &store).await? {
            tasks.spawn(submitter.run(shutdown.clone()));
        }
    }

    let workers = match role {
        Role::Serve => config.workers,
        Role::Worker => config.workers.max(1),
    };
    if workers > 0 {
        let context = Arc::new(WorkerContext {
            store: store.clone(),
            artifacts,
            node,
            fork,
            validator,
            config: (*config).clone(),
        });
        tasks.spawn(run_workers(context, workers, shutdown.clone()));
    }
    Ok(Running { addr, shutdown, tasks })
}
