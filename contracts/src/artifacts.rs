//! The compiled contracts, embedded at build time: `build.rs` runs `compile.js` (solc
//! 0.8.19, standard JSON, the legacy optimizer) over `solidity/*.sol`.

use std::path::Path;

use serde::Deserialize;

/// EIP-170: the largest runtime bytecode a contract may have.
pub const MAX_RUNTIME_BYTES: usize = 24_576;

/// One compiled contract.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// The contract's name.
    pub name: &'static str,
    /// Its ABI (JSON).
    pub abi: serde_json::Value,
    /// The creation bytecode (constructor arguments are appended to it).
    pub bytecode: Vec<u8>,
    /// The runtime bytecode, what the chain stores.
    pub deployed_bytecode: Vec<u8>,
}

/// Why an embedded artifact could not be read (a build fault, not an input fault).
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// The artifact is not the JSON `compile.js` writes.
    #[error("artifact {name}: {source}")]
    Json {
        /// The contract.
        name: &'static str,
        /// The cause.
        source: serde_json::Error,
    },
    /// The artifact file could not be read.
    #[error("artifact {name}: {source}")]
    Io {
        /// The contract.
        name: &'static str,
        /// The cause.
        source: std::io::Error,
    },
    /// A bytecode is not hex.
    #[error("artifact {name}: bytecode is not hex: {source}")]
    Hex {
        /// The contract.
        name: &'static str,
        /// The cause.
        source: hex::FromHexError,
    },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawArtifact {
    abi: serde_json::Value,
    bytecode: String,
    deployed_bytecode: String,
}

fn parse(name: &'static str, json: &str) -> Result<Artifact, ArtifactError> {
    let raw: RawArtifact =
        serde_json::from_str(json).map_err(|source| ArtifactError::Json { name, source })?;
    let hex = |text: &str| hex::decode(text).map_err(|source| ArtifactError::Hex { name, source });
    Ok(Artifact {
        name,
        abi: raw.abi,
        bytecode: hex(&raw.bytecode)?,
        deployed_bytecode: hex(&raw.deployed_bytecode)?,
    })
}

/// `Rollup.sol`'s `Rollup`.
pub fn rollup() -> Result<Artifact, ArtifactError> {
    parse("Rollup", include_str!(concat!(env!("OUT_DIR"), "/artifacts/Rollup.json")))
}

/// The generated verifier of the committed fixture (`solidity/Halo2Verifier.sol`).
pub fn verifier() -> Result<Artifact, ArtifactError> {
    parse("Halo2Verifier", include_str!(concat!(env!("OUT_DIR"), "/artifacts/Halo2Verifier.json")))
}

/// Contract `name` as `compile.js` wrote it into `out_dir` (`<out_dir>/<name>.json`): for
/// a verifier exported for another configuration or real parameters, compiled with
/// `node contracts/compile.js <out_dir> <sources_dir>`.
pub fn read(name: &'static str, out_dir: &Path) -> Result<Artifact, ArtifactError> {
    let json = std::fs::read_to_string(out_dir.join(format!("{name}.json")))
        .map_err(|source| ArtifactError::Io { name, source })?;
    parse(name, &json)
}
