//! Content-addressed artifact storage: guest inputs, results and, later, proofs are
//! stored under the SHA-256 of their bytes. [`ArtifactStore`] is the seam where an object
//! store can replace the local [`DirectoryStore`].

use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

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
    /// The storage failed.
    #[error("artifact storage: {0}")]
    Io(#[from] std::io::Error),
}

/// Stores byte strings under their content hash.
pub trait ArtifactStore: Send + Sync {
    /// Stores `bytes` (a no-op when they are already there) and returns their id.
    fn put(&self, bytes: &[u8]) -> Result<String, ArtifactError>;
    /// The bytes stored under `id`, checked against it.
    fn get(&self, id: &str) -> Result<Vec<u8>, ArtifactError>;
}

/// The id of `bytes`: SHA-256, lowercase hex.
pub fn artifact_id(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
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
        let valid = id.len() == 64 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !valid {
            return Err(ArtifactError::BadId(id.to_string()));
        }
        Ok(self.root.join(&id[..2]).join(id))
    }
}

impl ArtifactStore for DirectoryStore {
    fn put(&self, bytes: &[u8]) -> Result<String, ArtifactError> {
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

    fn get(&self, id: &str) -> Result<Vec<u8>, ArtifactError> {
        let path = self.path_of(id)?;
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ArtifactError::Missing(id.to_string()))
            }
            Err(e) => return Err(e.into()),
        };
        let actual = artifact_id(&bytes);
        if actual != id {
            return Err(ArtifactError::Corrupt(id.to_string(), actual));
        }
        Ok(bytes)
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
