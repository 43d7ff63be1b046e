//! The placeholder proofs of the segment and batch circuits, kept on disk for the build
//! of the program that made them.
//!
//! Every node key, the key family and the wrapper's key are derived from these three
//! placeholders ([`crate::tree_keys`]), and each is made from its circuit's verifying key:
//! `keygen_vk` of the segment, keccak-f and secp256k1 circuits, 60–90 s together. Without
//! a cache, every process paid that once: each `prove-part` of a node, and every
//! `verify`. A placeholder depends only on its circuit's code, its shape and the
//! parameters, so it is cached under a hash of the running executable (any rebuild is
//! another cache entry: a changed circuit can never meet an old placeholder), the shape
//! and the parameters' `s·g2`. A file holds the SHA-256 of its snark's bytes, then the
//! bytes: one that does not match is made again, never trusted.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};
use snark_verifier_sdk::Snark;
use tempfile::NamedTempFile;

use crate::keys::{sha256_file, BaseCircuit};
use crate::parts::{snark_from_bytes, snark_to_bytes};
use crate::Keys;

/// Bytes of the checksum at the start of a cache file.
const CHECKSUM_BYTES: usize = 32;

/// The SHA-256 of the running executable, read once; `None` where it cannot be read (the
/// cache is then not used).
fn build_id() -> Option<&'static str> {
    static ID: OnceLock<Option<String>> = OnceLock::new();
    ID.get_or_init(|| {
        let exe = std::env::current_exe().ok()?;
        sha256_file(&exe).ok()
    })
    .as_deref()
}

impl BaseCircuit {
    /// The name in cache file names.
    fn name(self) -> &'static str {
        match self {
            Self::Segment => "segment",
            Self::KeccakBatch => "keccak-batch",
            Self::SecpBatch => "secp-batch",
        }
    }
}

impl Keys {
    /// The size of `circuit`'s rows, and a description of its shape.
    fn base_shape(&self, circuit: BaseCircuit) -> (u32, String) {
        let config = self.config();
        match circuit {
            BaseCircuit::Segment => (config.segment_po2, String::new()),
            BaseCircuit::KeccakBatch => (config.keccak.k, format!("{:?}", config.keccak)),
            BaseCircuit::SecpBatch => (config.secp.k, format!("{:?}", config.secp)),
        }
    }

    /// Where `circuit`'s placeholder is cached for this build, shape and parameters.
    fn base_placeholder_path(&self, circuit: BaseCircuit) -> Option<PathBuf> {
        let dir = self.key_dir()?;
        let build = build_id()?;
        let (k, shape) = self.base_shape(circuit);
        let params = self.verifier_params(k).ok()?;
        let mut hasher = Sha256::new();
        hasher.update(build);
        hasher.update(circuit.name());
        hasher.update(k.to_le_bytes());
        hasher.update(shape.as_bytes());
        hasher.update(format!("{:?}", params.s_g2()).as_bytes());
        let id = hex::encode(&hasher.finalize()[..16]);
        Some(dir.join(format!("base-{}-{id}.snark", circuit.name())))
    }

    /// `circuit`'s cached placeholder, if this build cached one that reads back intact.
    pub(crate) fn read_base_placeholder(&self, circuit: BaseCircuit) -> Option<Snark> {
        let path = self.base_placeholder_path(circuit)?;
        let file = fs::read(&path).ok()?;
        match checked_snark(&file) {
            Some(snark) => {
                tracing::info!(circuit = circuit.name(), "placeholder proof read from the cache");
                Some(snark)
            }
            None => {
                tracing::warn!(path = %path.display(), "cached placeholder proof is damaged; making it again");
                None
            }
        }
    }

    /// Caches `circuit`'s placeholder; a failure only costs a later `keygen_vk`, so it is
    /// logged.
    pub(crate) fn write_base_placeholder(&self, circuit: BaseCircuit, snark: &Snark) {
        let Some(path) = self.base_placeholder_path(circuit) else { return };
        if let Err(e) = write_checked(&path, snark) {
            tracing::warn!(error = %e, path = %path.display(), "cannot cache the placeholder proof");
        }
    }
}

/// `snark`'s bytes after their SHA-256: the form it is cached in.
pub(crate) fn checked_bytes(snark: &Snark) -> std::io::Result<Vec<u8>> {
    let bytes = snark_to_bytes(snark).map_err(|e| std::io::Error::other(e.to_string()))?;
    let mut checked = Sha256::digest(&bytes).to_vec();
    checked.extend_from_slice(&bytes);
    Ok(checked)
}

/// The snark of [`checked_bytes`]' bytes, if the checksum matches.
pub(crate) fn checked_snark(file: &[u8]) -> Option<Snark> {
    if file.len() < CHECKSUM_BYTES {
        return None;
    }
    let (checksum, bytes) = file.split_at(CHECKSUM_BYTES);
    if Sha256::digest(bytes)[..] != checksum[..] {
        return None;
    }
    snark_from_bytes(bytes).ok()
}

/// Writes `path` whole: `write` fills a temporary file beside it (a name of its own, removed
/// if anything fails), which is then renamed into place, so a reader never sees half a file
/// and two writers (processes, or threads of one) never write one file together. The file
/// gets the permissions `fs::write` gives (0666 less the umask), not a temporary file's
/// 0600: keys are public, and a verifier may run as another user than the prover.
pub(crate) fn write_whole<T>(
    path: &Path,
    write: impl FnOnce(&mut NamedTempFile) -> std::io::Result<T>,
) -> std::io::Result<T> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut file = builder.tempfile_in(dir)?;
    let value = write(&mut file)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(value)
}

/// Writes `snark` with its checksum to `path`, through a partial file renamed into place
/// (a reader never sees half a file).
fn write_checked(path: &Path, snark: &Snark) -> std::io::Result<()> {
    let checked = checked_bytes(snark)?;
    write_whole(path, |file| {
        file.write_all(&checked)?;
        file.as_file().sync_all()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ParamsSource, TreeConfig};
    use precompiles::keccak::KeccakParams;

    /// Keys of a tree with a small keccak-f circuit, caching in `dir`.
    fn keys(dir: &Path, capacity: usize) -> Keys {
        let keccak = KeccakParams { k: 13, capacity, part_width: 4, groups: 2 };
        let config = TreeConfig { keccak, ..TreeConfig::default() };
        Keys::new(config, ParamsSource::Development, Some(dir.to_path_buf()))
    }

    fn protocol(snark: &Snark) -> Vec<u8> {
        serde_json::to_vec(&snark.protocol).unwrap()
    }

    #[test]
    fn a_placeholder_is_made_once_per_build_and_shape_and_read_back_by_later_processes() {
        let dir = tempfile::tempdir().unwrap();
        let circuit = BaseCircuit::KeccakBatch;
        let made = keys(dir.path(), 2).placeholder_of(circuit).unwrap();
        let path = keys(dir.path(), 2).base_placeholder_path(circuit).unwrap();
        assert!(path.exists());

        // A later process reads the same protocol instead of making it.
        let read = keys(dir.path(), 2).read_base_placeholder(circuit).unwrap();
        assert_eq!(protocol(&read), protocol(&made));
        // Another shape is another entry.
        assert_ne!(keys(dir.path(), 1).base_placeholder_path(circuit), Some(path.clone()));
        assert!(keys(dir.path(), 1).read_base_placeholder(circuit).is_none());

        // A damaged file is not read, and is made again in its place.
        let mut bytes = fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        fs::write(&path, &bytes).unwrap();
        assert!(keys(dir.path(), 2).read_base_placeholder(circuit).is_none());
        let remade = keys(dir.path(), 2).placeholder_of(circuit).unwrap();
        assert_eq!(protocol(&remade), protocol(&made));
        let read = keys(dir.path(), 2).read_base_placeholder(circuit).unwrap();
        assert_eq!(protocol(&read), protocol(&made));
    }

    #[test]
    fn a_whole_write_lands_in_place_and_a_failed_one_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys").join("leaf-01.json");
        write_whole(&path, |file| file.write_all(b"sidecar")).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"sidecar");
        let failed = write_whole(&path, |file| {
            file.write_all(b"half")?;
            Err::<(), _>(std::io::Error::other("cut off"))
        });
        assert!(failed.is_err());
        assert_eq!(fs::read(&path).unwrap(), b"sidecar");
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_whole_write_has_the_permissions_of_a_plain_write() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let whole = dir.path().join("root-01.json");
        let plain = dir.path().join("plain");
        write_whole(&whole, |file| file.write_all(b"sidecar")).unwrap();
        fs::write(&plain, b"sidecar").unwrap();
        let mode = |path: &Path| fs::metadata(path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&whole), mode(&plain));
    }

    #[test]
    fn a_damaged_or_short_cache_file_is_not_read() {
        assert!(checked_snark(&[]).is_none());
        assert!(checked_snark(&[0u8; CHECKSUM_BYTES - 1]).is_none());
        let bytes = b"not a snark".to_vec();
        let mut file = Sha256::digest(&bytes).to_vec();
        file.extend_from_slice(&bytes);
        // The checksum matches, the bytes are no snark.
        assert!(checked_snark(&file).is_none());
        // A checksum that does not match its bytes.
        file[0] ^= 1;
        assert!(checked_snark(&file).is_none());
    }
}
