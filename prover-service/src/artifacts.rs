//! Content-addressed artifact storage: guest inputs, ELFs, results and proofs are stored
//! under the SHA-256 of their bytes, and checked against it on every read. Two places
//! hold them: a local [`DirectoryStore`] (the default with SQLite), or the job store's
//! own database (the default with PostgreSQL), which every worker of a fleet reaches
//! without a shared file system.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::store::{JobStore, StoreError};

/// Why an artifact could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// The id is not 64 lowercase hex digits.
    #[error("`{0}` is not an artifact id")]
    BadId(String),
    /// No artifact has this id.
    #[error("artifact {0} does not exist")]
    Missing(String),
    /// The stored bytes no longer hash to their id.
    #[error("artifact {0} is corrupt: its bytes hash to {1}")]
    Corrupt(String, String),
    /// The file storage failed.
    #[error("artifact storage: {0}")]
    Io(#[from] std::io::Error),
    /// The database holding the artifacts failed.
    #[error("artifact storage: {0}")]
    Database(#[from] StoreError),
}

impl ArtifactError {
    /// Whether trying again later may work (the storage failed, rather than the id or
    /// the bytes being wrong).
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Io(_) | Self::Database(_))
    }
}

/// Where artifacts live.
#[derive(Debug, Clone)]
pub enum Artifacts {
    /// Files in a local directory.
    Directory(DirectoryStore),
    /// Rows of the job store's `artifacts` table.
    Database(JobStore),
}

impl Artifacts {
    /// Stores `bytes` (a no-op when they are already there) and returns their id.
    pub async fn put(&self, bytes: Vec<u8>) -> Result<String, ArtifactError> {
        match self {
            Self::Directory(store) => {
                let store = store.clone();
                tokio::task::spawn_blocking(move || store.put(&bytes))
                    .await
                    .map_err(|e| ArtifactError::Io(std::io::Error::other(e)))?
            }
            Self::Database(store) => {
                let id = artifact_id(&bytes);
                store.put_artifact_bytes(&id, &bytes).await?;
                Ok(id)
            }
        }
    }

    /// The bytes stored under `id`, checked against it.
    pub async fn get(&self, id: &str) -> Result<Vec<u8>, ArtifactError> {
        match self {
            Self::Directory(store) => {
                let (store, id) = (store.clone(), id.to_string());
                tokio::task::spawn_blocking(move || store.get(&id))
                    .await
                    .map_err(|e| ArtifactError::Io(std::io::Error::other(e)))?
            }
            Self::Database(store) => {
                check_id(id)?;
                let bytes = store
                    .artifact_bytes(id)
                    .await?
                    .ok_or_else(|| ArtifactError::Missing(id.to_string()))?;
                checked(id, bytes)
            }
        }
    }
}

/// Refuses anything but 64 lowercase hex digits.
fn check_id(id: &str) -> Result<(), ArtifactError> {
    let valid = id.len() == 64 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if valid {
        Ok(())
    } else {
        Err(ArtifactError::BadId(id.to_string()))
    }
}

/// `bytes` if they hash to `id`.
fn checked(id: &str, bytes: Vec<u8>) -> Result<Vec<u8>, ArtifactError> {
    let actual = artifact_id(&bytes);
    if actual != id {
        return Err(ArtifactError::Corrupt(id.to_string(), actual));
    }
    Ok(bytes)
}

/// The id of `bytes`: SHA-256, lowercase hex.
pub fn artifact_id(bytes: &[u8]) -> String {
    hex::encode(digest(bytes))
}

/// SHA-256 of `bytes`.
pub fn digest(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Artifacts as files `root/ab/abcdef…`, written through a temporary file and a rename,
/// so that a reader never sees a partial artifact, even across processes.
#[derive(Debug, Clone)]
pub struct DirectoryStore {
    root: PathBuf,
}

impl DirectoryStore {
    /// A store rooted at `root`, created if missing.
    pub fn open(root: &Path) -> Result<Self, ArtifactError> {
        std::fs::create_dir_all(root)?;
        Ok(Self { root: root.to_path_buf() })
    }

    fn path_of(&self, id: &str) -> Result<PathBuf, ArtifactError> {
        check_id(id)?;
        Ok(self.root.join(&id[..2]).join(id))
    }

    /// Stores `bytes` (a no-op when they are already there) and returns their id.
    pub fn put(&self, bytes: &[u8]) -> Result<String, ArtifactError> {
        let id = artifact_id(bytes);
        let path = self.path_of(&id)?;
        if path.exists() {
            return Ok(id);
        }
        let dir = path.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(dir)?;
        let mut file = tempfile::NamedTempFile::new_in(dir)?;
        file.write_all(bytes)?;
        file.as_file().sync_all()?;
        file.persist(&path).map_err(|e| ArtifactError::Io(e.error))?;
        Ok(id)
    }

    /// The bytes stored under `id`, checked against it.
    pub fn get(&self, id: &str) -> Result<Vec<u8>, ArtifactError> {
        let path = self.path_of(id)?;
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ArtifactError::Missing(id.to_string()))
            }
            Err(e) => return Err(e.into()),
        };
        checked(id, bytes)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn stores_by_content_and_checks_on_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = DirectoryStore::open(dir.path()).unwrap();
        let id = store.put(b"guest input").unwrap();
        assert_eq!(id, artifact_id(b"guest input"));
        assert_eq!(store.put(b"guest input").unwrap(), id, "idempotent");
        assert_eq!(store.get(&id).unwrap(), b"guest input");

        let path = dir.path().join(&id[..2]).join(&id);
        std::fs::write(&path, b"tampered").unwrap();
        assert!(matches!(store.get(&id), Err(ArtifactError::Corrupt(..))));
        assert!(matches!(store.get(&artifact_id(b"other")), Err(ArtifactError::Missing(_))));
        assert!(matches!(store.get("../../etc/passwd"), Err(ArtifactError::BadId(_))));
    }
}
