//! The committed test fixture: a real proof of the `public-values` guest for fixed
//! [`public_values`], the wrapper's verifying key it verifies under, and the verifier
//! generated from that key (`solidity/Halo2Verifier.sol`). CI deploys and checks them; it
//! does not prove. `make contracts-fixture` makes them again (`examples/fixture.rs`).
//!
//! The fixture is made with the insecure development KZG parameters; so is its verifier.

use std::path::{Path, PathBuf};

use alloy_primitives::b256;
use prover::{Proof, ProofFileError, WrapperVk, WrapperVkError};

use crate::rollup::Genesis;

/// log2 rows of the fixture's segments (the guest runs in one).
pub const SEGMENT_PO2: u32 = 17;

/// The fixture's directory, `contracts/fixtures`.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The proof file.
pub fn proof_path() -> PathBuf {
    dir().join("proof.json")
}

/// The wrapper's verifying key file.
pub fn wrapper_vk_path() -> PathBuf {
    dir().join("wrapper-vk.json")
}

/// The committed generated verifier.
pub fn verifier_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("solidity").join("Halo2Verifier.sol")
}

/// The block the fixture's proof is about: block 7 of chain 0x1a4 on top of block 6.
pub fn public_values() -> stateless::PublicValues {
    stateless::PublicValues {
        chainId: 0x1a4,
        blockNumber: 7,
        parentHash: b256!("0x6d2c1b0f6a4e3c1f2a5b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b"),
        blockHash: b256!("0x1f3e5d7c9b0a2f4e6d8c0b1a3f5e7d9c2b4a6f8e0d1c3b5a7f9e2d4c6b8a0f1e"),
        parentStateRoot: b256!(
            "0x8a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
        ),
        stateRoot: b256!("0x0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"),
    }
}

/// Where a rollup must start for the fixture's block to be the next one.
pub fn genesis() -> Genesis {
    let pv = public_values();
    Genesis {
        chain_id: pv.chainId,
        number: pv.blockNumber - 1,
        hash: pv.parentHash,
        state_root: pv.parentStateRoot,
    }
}

/// Why the fixture could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// The proof file.
    #[error(transparent)]
    Proof(#[from] ProofFileError),
    /// The key file.
    #[error(transparent)]
    Key(#[from] WrapperVkError),
    /// The generated verifier.
    #[error("cannot read {path}: {source}")]
    Verifier {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// The committed proof.
pub fn proof() -> Result<Proof, FixtureError> {
    Ok(Proof::read(&proof_path())?)
}

/// The committed wrapper key.
pub fn wrapper_vk() -> Result<WrapperVk, FixtureError> {
    Ok(WrapperVk::read(&wrapper_vk_path())?)
}

/// The committed verifier's source.
pub fn committed_verifier() -> Result<String, FixtureError> {
    let path = verifier_path();
    std::fs::read_to_string(&path)
        .map_err(|source| FixtureError::Verifier { path: path.display().to_string(), source })
}

/// The verifier the code generates for `key` under the development parameters: what
/// `solidity/Halo2Verifier.sol` must equal for the committed key.
pub fn generated_verifier(key: &WrapperVk) -> Result<String, FixtureError> {
    let vk = key.verifying_key()?;
    let params = circuits::params::dev_verifier_params(key.config.degree);
    Ok(prover::solidity_verifier(&params, &vk))
}
