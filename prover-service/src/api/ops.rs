//! Operations endpoints: liveness, readiness (database and node reachable) and the
//! Prometheus metrics.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;

/// Readiness of each dependency.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ok`, or why the database is not.
    pub database: String,
    /// `ok`, `not configured`, or why the node is not.
    pub rpc: String,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200, description = "Alive")))]
pub(super) async fn healthz() -> &'static str {
    "ok"
}

/// The database and the node (when configured) answer.
#[utoipa::path(
    get, path = "/readyz", tag = "ops",
    responses(
        (status = 200, description = "Ready", body = Readiness),
        (status = 503, description = "A dependency is down", body = Readiness),
    )
)]
pub(super) async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let database = match state.store.ping().await {
        Ok(()) => "ok".to_string(),
        Err(e) => e.to_string(),
    };
    let rpc = match &state.node {
        None => "not configured".to_string(),
        Some(node) => match node.head().await {
            Ok(_) => "ok".to_string(),
            Err(e) => e.to_string(),
        },
    };
    let ready = database == "ok" && (state.node.is_none() || rpc == "ok");
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(Readiness { database, rpc }))
}

/// Prometheus text format: jobs by status, queue depth, stage durations, cycles.
#[utoipa::path(get, path = "/metrics", tag = "ops", responses((status = 200, description = "Metrics")))]
pub(super) async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    // Counts come from the database, so they cover every worker sharing it.
    match state.store.count_by_status().await {
        Ok(counts) => {
            for (status, count) in counts {
                metrics::gauge!("prover_jobs", "status" => status.as_str()).set(count as f64);
            }
        }
        Err(e) => tracing::warn!(error = %e, "counting jobs for the metrics failed"),
    }
    match state.store.queue_depth().await {
        Ok(depth) => metrics::gauge!("prover_queue_depth").set(depth as f64),
        Err(e) => tracing::warn!(error = %e, "reading the queue depth failed"),
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics.render())
}
