//! The final SNARK on Ethereum: snark-verifier's EVM loader turns the wrapper's verifying
//! key and the verifier part of the KZG parameters (`g[0]`, `g2`, `s·g2`) into a Solidity
//! contract (pragma 0.8.19) that reads the wrapper's public inputs and proof as calldata
//! and reverts unless the proof verifies and the accumulator's pairing holds.
//!
//! A [`WrapperVk`] file keeps the verifying key, so that the verifier can be generated
//! again without the proving stack (the drift check of `contracts/`).

use std::path::Path;

use halo2_base::halo2_proofs::halo2curves::bn256::{Bn256, G1Affine};
use halo2_base::halo2_proofs::plonk::VerifyingKey;
use halo2_base::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use halo2_base::halo2_proofs::SerdeFormat;
use serde::{Deserialize, Serialize};
use snark_verifier_sdk::evm::gen_evm_verifier_sol_code;
use snark_verifier_sdk::halo2::aggregation::{AggregationCircuit, AggregationConfigParams};
use snark_verifier_sdk::SHPLONK;

use crate::node::NodeKind;
use crate::proof::bytes_hex;
use crate::tree_keys::wrapper_vk;
use crate::{Keys, ProveError};

/// The Solidity source of the EVM verifier of the wrapper whose verifying key is `vk`.
/// `params` may be the verifier part only ([`circuits::params::verifier_part`]).
pub fn solidity_verifier(params: &ParamsKZG<Bn256>, vk: &VerifyingKey<G1Affine>) -> String {
    gen_evm_verifier_sol_code::<AggregationCircuit, SHPLONK>(
        params,
        vk,
        vec![NodeKind::Wrapper.num_public_inputs()],
    )
}

/// The verifier of every proof made with `keys`, whatever its tree, and the wrapper key it
/// was generated from. Derives the wrapper's key from the segment and precompile circuits
/// up (keygen where the key cache has none).
pub fn export_verifier(keys: &Keys) -> Result<(String, WrapperVk), ProveError> {
    let (vk, config) = wrapper_vk(keys)?;
    let params = keys.verifier_params(config.degree)?;
    let file = WrapperVk::new(config, &vk)?;
    Ok((solidity_verifier(&params, &vk), file))
}

/// A wrapper's verifying key as a file: JSON with the circuit's configuration (which
/// reading the key needs) and halo2's raw key bytes in hex.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WrapperVk {
    /// The wrapper circuit's configuration.
    pub config: AggregationConfigParams,
    /// `VerifyingKey::write` in `RawBytes` format.
    #[serde(with = "bytes_hex")]
    pub vk: Vec<u8>,
}

/// Why a wrapper key file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum WrapperVkError {
    /// The file could not be read or written.
    #[error("wrapper key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a wrapper key file.
    #[error("not a wrapper key file: {0}")]
    Format(#[from] serde_json::Error),
    /// The key bytes do not decode for the stated configuration.
    #[error("the verifying key does not decode: {0}")]
    Key(std::io::Error),
}

impl WrapperVk {
    /// The file of `vk`, a wrapper with configuration `config`.
    pub fn new(
        config: AggregationConfigParams,
        vk: &VerifyingKey<G1Affine>,
    ) -> Result<Self, ProveError> {
        let mut bytes = Vec::new();
        vk.write(&mut bytes, SerdeFormat::RawBytes).map_err(|e| ProveError::Keys(e.to_string()))?;
        Ok(Self { config, vk: bytes })
    }

    /// The verifying key.
    pub fn verifying_key(&self) -> Result<VerifyingKey<G1Affine>, WrapperVkError> {
        VerifyingKey::read::<_, AggregationCircuit>(
            &mut &self.vk[..],
            SerdeFormat::RawBytes,
            self.config,
        )
        .map_err(WrapperVkError::Key)
    }

    /// Reads a key file.
    pub fn read(path: &Path) -> Result<Self, WrapperVkError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| WrapperVkError::Io { path: path.display().to_string(), source })?;
        Ok(serde_json::from_str(&text)?)
    }

    /// Writes the key file (pretty JSON).
    pub fn write(&self, path: &Path) -> Result<(), WrapperVkError> {
        let text = serde_json::to_string_pretty(self)?;
        std::fs::write(path, text + "\n")
            .map_err(|source| WrapperVkError::Io { path: path.display().to_string(), source })
    }
}
