//! The HTTP API: `/v1/jobs`, `/v1/programs` and the operations endpoints, with an OpenAPI document at
//! `/openapi.json` generated from the handlers' types and a docs page at `/docs`.

mod error;
mod jobs;
mod ops;
mod programs;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::sync::OnceCell;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_scalar::{Scalar, Servable as _};

pub use error::{ApiError, ErrorBody};
pub use jobs::{
    JobKind, JobList, JobView, L1SubmissionView, ListQuery, Progress, ProofView, StageView,
    SubmitJob,
};
pub use ops::Readiness;
pub use programs::ProgramView;

use crate::artifacts::Artifacts;
use crate::config::ServiceConfig;
use crate::node::{NodeClient, NodeError};
use crate::store::JobStore;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The job store.
    pub store: JobStore,
    /// Inputs, ELFs, results and proofs.
    pub artifacts: Artifacts,
    /// The L2 node, when configured.
    pub node: Option<NodeClient>,
    /// The block-validator's program id.
    pub program_id: String,
    /// The configuration.
    pub config: Arc<ServiceConfig>,
    /// The Prometheus recorder's handle.
    pub metrics: PrometheusHandle,
    /// The node's chain id, asked once.
    pub chain_id: Arc<OnceCell<u64>>,
}

impl AppState {
    async fn chain_id(&self, node: &NodeClient) -> Result<u64, NodeError> {
        self.chain_id.get_or_try_init(|| node.chain_id()).await.copied()
    }
}

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(title = "prover-service", description = "Execute and prove L2 blocks, and submit their proofs to L1."),
    paths(jobs::submit_job, jobs::get_job, jobs::get_proof, jobs::list_jobs, jobs::cancel_job, programs::upload_program, programs::get_program, ops::healthz, ops::readyz, ops::metrics),
    components(schemas(
        jobs::SubmitJob, jobs::JobView, jobs::JobKind, programs::ProgramView, jobs::JobList, jobs::StageView, jobs::Progress,
        jobs::L1SubmissionView, jobs::ProofView, crate::store::SubmissionStatus,
        crate::worker::ExecuteResult, crate::worker::ProveResult, crate::worker::PublicValuesView, crate::worker::SyscallCountsView,
        crate::model::Status, crate::model::StageKind, crate::model::Mode, ErrorBody, ops::Readiness
    )),
    modifiers(&ApiKeyScheme),
    tags(
        (name = "jobs", description = "Block jobs and generic program jobs"),
        (name = "programs", description = "Guest programs for generic jobs"),
        (name = "ops", description = "Operations")
    )
)]
pub struct ApiDoc;

struct ApiKeyScheme;

impl Modify for ApiKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The router of the whole API.
pub fn router(state: AppState) -> Router {
    let mutating = Router::new()
        .route("/v1/jobs", post(jobs::submit_job))
        .route("/v1/jobs/{id}/cancel", post(jobs::cancel_job))
        .route("/v1/programs", post(programs::upload_program))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_api_key));
    Router::new()
        .merge(mutating)
        .route("/v1/jobs", get(jobs::list_jobs))
        .route("/v1/jobs/{id}", get(jobs::get_job))
        .route("/v1/jobs/{id}/proof", get(jobs::get_proof))
        .route("/v1/programs/{program_id}", get(programs::get_program))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
        .merge(Scalar::with_url("/docs", ApiDoc::openapi()))
        .fallback(|| async { ApiError::not_found("no such endpoint") })
        .layer(DefaultBodyLimit::max(state.config.body_limit_bytes))
        .with_state(state)
}

/// Stores `bytes` as an artifact (503 when the storage is unavailable).
async fn store_artifact(state: &AppState, bytes: Vec<u8>) -> Result<String, ApiError> {
    state.artifacts.put(bytes).await.map_err(|e| {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", e.to_string())
    })
}

/// With an API key configured, mutating requests must carry `Authorization: Bearer KEY`.
async fn require_api_key(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(key) = state.config.api_key.as_deref() else { return next.run(request).await };
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match given {
        Some(given) if constant_time_eq(given.as_bytes(), key.as_bytes()) => {
            next.run(request).await
        }
        _ => ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "a valid API key is required")
            .into_response(),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
