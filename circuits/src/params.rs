//! KZG parameters (BN254 structured reference strings).
//!
//! Production parameters come from a directory of files named `kzg_bn254_{k}.srs`, in
//! halo2's raw format (for example converted from a public powers-of-tau ceremony). For
//! development and tests, [`dev_params`] generates them from a fixed seed — anyone can
//! forge proofs against those, so every use is announced with a warning — and caches them
//! outside the work tree, since `setup` takes minutes at large `k`.

use std::fs::{self, File};
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use halo2_base::halo2_proofs::{
    halo2curves::bn256::Bn256,
    poly::{commitment::Params, kzg::commitment::ParamsKZG},
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// Seed of the insecure development parameters.
const DEV_SEED: u64 = 0x7a6b_766d_5f64_6576;

/// Why parameters could not be had.
#[derive(Debug, thiserror::Error)]
pub enum ParamsError {
    /// The file is missing or unreadable.
    #[error("cannot read KZG parameters {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file holds parameters for another size.
    #[error("KZG parameters {path} are for k = {found}, not {wanted}")]
    WrongSize {
        /// The file.
        path: PathBuf,
        /// Its k.
        found: u32,
        /// The k asked for.
        wanted: u32,
    },
    /// The cache could not be written.
    #[error("cannot write KZG parameters {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// The file name of size-`k` parameters in a parameter directory.
pub fn file_name(k: u32) -> String {
    format!("kzg_bn254_{k}.srs")
}

/// Reads size-`k` parameters from `dir`.
pub fn load_params(dir: &Path, k: u32) -> Result<ParamsKZG<Bn256>, ParamsError> {
    let path = dir.join(file_name(k));
    let read = |source| ParamsError::Read { path: path.clone(), source };
    let file = File::open(&path).map_err(read)?;
    let params = ParamsKZG::<Bn256>::read(&mut BufReader::new(file)).map_err(read)?;
    if params.k() != k {
        return Err(ParamsError::WrongSize { path, found: params.k(), wanted: k });
    }
    Ok(params)
}

/// Where development parameters are cached: `$ZKVM_PARAMS_DIR`, else
/// `$HOME/.cache/zk-rollup-prover/kzg`, else the system temp directory.
pub fn dev_params_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ZKVM_PARAMS_DIR") {
        return PathBuf::from(dir);
    }
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".cache/zk-rollup-prover/kzg"),
        None => std::env::temp_dir().join("zk-rollup-prover-kzg"),
    }
}

/// Insecure size-`k` parameters from a fixed seed, cached in [`dev_params_dir`].
pub fn dev_params(k: u32) -> Result<ParamsKZG<Bn256>, ParamsError> {
    let dir = dev_params_dir();
    tracing::warn!(k, dir = %dir.display(), "using INSECURE development KZG parameters generated from a public seed; proofs made with them prove nothing");
    if let Ok(params) = load_params(&dir, k) {
        return Ok(params);
    }
    let params = ParamsKZG::<Bn256>::setup(k, ChaCha20Rng::seed_from_u64(DEV_SEED));
    let path = dir.join(file_name(k));
    let write = |source| ParamsError::Write { path: path.clone(), source };
    fs::create_dir_all(&dir).map_err(write)?;
    // Write to a temporary name first so a concurrent reader never sees half a file.
    let partial = dir.join(format!("{}.{}.partial", file_name(k), std::process::id()));
    let file = File::create(&partial).map_err(write)?;
    params.write(&mut BufWriter::new(file)).map_err(write)?;
    fs::rename(&partial, &path).map_err(write)?;
    Ok(params)
}
