//! The submitter's signing key: from a file (one hex line) or from the environment, never
//! logged. Errors name where the key came from, never the key.

use std::path::Path;

use alloy_signer_local::PrivateKeySigner;

/// The environment variable read when no key file is configured.
pub const KEY_ENV: &str = "PROVER_L1_PRIVATE_KEY";

/// Why no signer could be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SignerError {
    /// Neither a key file nor the environment variable is set.
    #[error("no L1 signing key: set l1_key_file or {KEY_ENV}")]
    Missing,
    /// The key file could not be read.
    #[error("reading the L1 key file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The key is not a secp256k1 private key in hex.
    #[error("the L1 key from {0} is not a 32-byte hex secp256k1 private key")]
    Malformed(String),
}

/// The signer of the key in `key_file`, else in `$PROVER_L1_PRIVATE_KEY`.
pub fn load_signer(key_file: Option<&Path>) -> Result<PrivateKeySigner, SignerError> {
    let (text, source) = match key_file {
        Some(path) => (
            std::fs::read_to_string(path)
                .map_err(|source| SignerError::Read { path: path.display().to_string(), source })?,
            path.display().to_string(),
        ),
        None => (std::env::var(KEY_ENV).map_err(|_| SignerError::Missing)?, KEY_ENV.to_string()),
    };
    let text = text.trim();
    let hex_digits = text.strip_prefix("0x").unwrap_or(text);
    if hex_digits.len() != 64 {
        return Err(SignerError::Malformed(source));
    }
    hex_digits.parse::<PrivateKeySigner>().map_err(|_| SignerError::Malformed(source))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keys_load_from_a_file_and_bad_ones_are_refused_without_echoing_them() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("key");
        // anvil's first development account.
        std::fs::write(
            &file,
            "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80\n",
        )
        .unwrap();
        let signer = load_signer(Some(&file)).unwrap();
        assert_eq!(
            signer.address().to_string().to_lowercase(),
            "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
        );
        assert!(!format!("{signer:?}").contains("ac0974bec3"), "the key is never printed");

        std::fs::write(&file, "0xdeadbeef-not-a-key").unwrap();
        let error = load_signer(Some(&file)).unwrap_err();
        assert!(matches!(error, SignerError::Malformed(_)));
        assert!(!error.to_string().contains("deadbeef"));
        let missing = load_signer(Some(&dir.path().join("absent"))).unwrap_err();
        assert!(matches!(missing, SignerError::Read { .. }));
    }
}
