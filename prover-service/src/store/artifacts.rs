//! Artifact bytes and uploaded guest programs, kept in the job store's own database.

use sqlx::Row as _;

use super::{to_i64, to_u64, JobStore, StoreError};
use crate::model::now_ms;

/// A guest program uploaded for generic jobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramRecord {
    /// Its program id: the Poseidon page-tree root of its initial memory, `0x` + 64 hex.
    pub program_id: String,
    /// The stored ELF.
    pub elf_artifact: String,
    /// The ELF's size in bytes.
    pub elf_bytes: u64,
    /// When it was first uploaded (ms since the epoch).
    pub created_at: i64,
}

impl JobStore {
    /// Stores `bytes` under `id` (a no-op when the id is already there: ids are content
    /// hashes, so the bytes are the same).
    pub async fn put_artifact_bytes(&self, id: &str, bytes: &[u8]) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO artifacts (id, bytes, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(bytes.to_vec())
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The bytes stored under `id`, if any.
    pub async fn artifact_bytes(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let row = sqlx::query("SELECT bytes FROM artifacts WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.try_get::<Vec<u8>, _>(0)).transpose()?)
    }

    /// Records the program `program_id` with its stored ELF; returns the record, the
    /// earlier one when it was uploaded before.
    pub async fn put_program(
        &self,
        program_id: &str,
        elf_artifact: &str,
        elf_bytes: u64,
    ) -> Result<ProgramRecord, StoreError> {
        sqlx::query(
            "INSERT INTO programs (program_id, elf_artifact, elf_bytes, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(program_id)
        .bind(elf_artifact)
        .bind(to_i64(elf_bytes)?)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        self.program(program_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("program {program_id} vanished")))
    }

    /// The uploaded program `program_id`, if any.
    pub async fn program(&self, program_id: &str) -> Result<Option<ProgramRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT program_id, elf_artifact, elf_bytes, created_at FROM programs \
             WHERE program_id = $1",
        )
        .bind(program_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(ProgramRecord {
                program_id: row.try_get("program_id")?,
                elf_artifact: row.try_get("elf_artifact")?,
                elf_bytes: to_u64(row.try_get("elf_bytes")?)?,
                created_at: row.try_get("created_at")?,
            })
        })
        .transpose()
    }
}
