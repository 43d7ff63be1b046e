//! `/v1/programs`: guest programs uploaded for generic jobs. The service loads each ELF
//! and names it by the program id a proof of it states; a client never names it.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{ApiError, ErrorBody};
use super::AppState;
use crate::store::ProgramRecord;

/// An uploaded program.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramView {
    /// Its id (`0x` + 64 hex digits): the Poseidon page-tree root of its initial memory,
    /// which its proofs state. Jobs name the program by it.
    pub program_id: String,
    /// The stored ELF's artifact id.
    pub elf_artifact: String,
    /// The ELF's size in bytes.
    pub elf_bytes: u64,
    /// First uploaded at (ms since the epoch).
    pub created_at: i64,
}

impl From<ProgramRecord> for ProgramView {
    fn from(record: ProgramRecord) -> Self {
        Self {
            program_id: record.program_id,
            elf_artifact: record.elf_artifact,
            elf_bytes: record.elf_bytes,
            created_at: record.created_at,
        }
    }
}

/// Upload a guest ELF (RV32IM) as the request body; the same ELF always gives the same
/// program.
#[utoipa::path(
    post, path = "/v1/programs", tag = "programs",
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The ELF"),
    responses(
        (status = 201, description = "Stored", body = ProgramView),
        (status = 200, description = "The program was uploaded before", body = ProgramView),
        (status = 401, description = "Missing or wrong API key", body = ErrorBody),
        (status = 413, description = "Body too large", body = ErrorBody),
        (status = 422, description = "Not an ELF this service can run", body = ErrorBody),
        (status = 503, description = "The database or the artifact storage is unavailable", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub(super) async fn upload_program(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<(StatusCode, Json<ProgramView>), ApiError> {
    let (record, created) = register(&state, body.to_vec()).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(record.into())))
}

/// An uploaded program.
#[utoipa::path(
    get, path = "/v1/programs/{program_id}", tag = "programs",
    params(("program_id" = String, Path, description = "The program id")),
    responses(
        (status = 200, description = "The program", body = ProgramView),
        (status = 404, description = "No such program", body = ErrorBody),
        (status = 422, description = "Not a program id", body = ErrorBody),
    )
)]
pub(super) async fn get_program(
    State(state): State<AppState>,
    Path(program_id): Path<String>,
) -> Result<Json<ProgramView>, ApiError> {
    let id = normalized_id(&program_id)?;
    let record = state
        .store
        .program(&id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no program {id}")))?;
    Ok(Json(record.into()))
}

/// Loads `elf`, stores it and records it under its program id; the flag says whether it
/// is new.
pub(super) async fn register(
    state: &AppState,
    elf: Vec<u8>,
) -> Result<(ProgramRecord, bool), ApiError> {
    let (program_id, elf) = tokio::task::spawn_blocking(move || {
        crate::program::load(&elf).map(|loaded| (loaded.program_id, elf))
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?
    .map_err(|e| ApiError::unprocessable("bad_elf", format!("not a guest ELF: {e}")))?;
    if let Some(existing) = state.store.program(&program_id).await? {
        return Ok((existing, false));
    }
    let size = elf.len() as u64;
    let artifact = super::store_artifact(state, elf).await?;
    Ok((state.store.put_program(&program_id, &artifact, size).await?, true))
}

/// The uploaded program `id`, or 422 when there is none (a job cannot name it).
pub(super) async fn uploaded(state: &AppState, id: &str) -> Result<ProgramRecord, ApiError> {
    let id = normalized_id(id)?;
    state.store.program(&id).await?.ok_or_else(|| {
        ApiError::unprocessable(
            "unknown_program",
            format!("no program {id} was uploaded: POST its ELF to /v1/programs"),
        )
    })
}

/// `0x` + 64 lowercase hex digits of a BN254 scalar, as stored.
fn normalized_id(text: &str) -> Result<String, ApiError> {
    let scalar = prover::proof::parse_program_id(text).ok_or_else(|| {
        ApiError::unprocessable(
            "bad_program_id",
            format!("`{text}` is not 0x + 64 hex digits of a BN254 scalar"),
        )
    })?;
    Ok(format!("0x{}", hex::encode(prover::scalar_word(&scalar))))
}
