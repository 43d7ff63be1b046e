//! Parameters and proving keys, generated once per circuit shape and reused.
//!
//! [`Keys`] hands out KZG parameters per size (real ones from a directory, or the
//! insecure development ones, [`circuits::params::dev_params`]) and proving keys: the
//! segment key (cheap, made in memory) and the tree's node keys. A node key depends on
//! its kind, the keys its circuit holds as constants (a child's, or key digests: see
//! [`crate::tree_keys`]), its size and the parameters; all of that is hashed into the
//! key's name, and the key, its configuration and its break points are cached on disk
//! under that name. A cached key whose sidecar
//! does not match (another name, a changed file) is regenerated, never trusted.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use halo2_base::gates::circuit::CircuitBuilderStage;
use halo2_base::gates::flex_gate::MultiPhaseThreadBreakPoints;
use halo2_base::halo2_proofs::{
    halo2curves::bn256::{Bn256, G1Affine},
    plonk::{keygen_pk2, keygen_vk, ProvingKey, VerifyingKey},
    poly::kzg::commitment::ParamsKZG,
    SerdeFormat,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use snark_verifier_sdk::halo2::aggregation::{AggregationCircuit, AggregationConfigParams};
use snark_verifier_sdk::Snark;

use crate::base_cache::{checked_bytes, checked_snark, write_whole};
use crate::gadgets::family::KeyFamily;
use crate::node::{build_circuit, size_circuit, BatchKeys, NodeInputs, NodeKind};
use crate::ProveError;
use precompiles::keccak::KeccakParams;
use precompiles::secp256k1::{SecpKey, SecpShape};

/// Bump when a node circuit's constraints change, so that cached keys are not reused.
const CIRCUIT_VERSION: &str = "tree-v2-family";

/// Where KZG parameters come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamsSource {
    /// Insecure parameters from a public seed (tests, development); logged loudly.
    Development,
    /// `kzg_bn254_{k}.srs` files in a directory, all from one ceremony.
    Directory(PathBuf),
}

/// Sizes of the proof stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeConfig {
    /// log2 rows of a segment (and of its circuit).
    pub segment_po2: u32,
    /// log2 rows of a leaf's circuit.
    pub leaf_k: u32,
    /// log2 rows of an inner node's circuit.
    pub inner_k: u32,
    /// log2 rows of the root's circuit (the columns follow).
    pub root_k: u32,
    /// The smallest log2 rows the wrapper may have; it grows until one column suffices.
    pub wrapper_min_k: u32,
    /// The largest log2 rows the wrapper may have (memory); past it, it takes columns.
    pub wrapper_max_k: u32,
    /// Bits of the range-check table of the leaves and inner nodes (below their `k`).
    pub lookup_bits: usize,
    /// Bits of the root's and the wrapper's range-check tables (below `wrapper_min_k`).
    pub wrapper_lookup_bits: usize,
    /// The keccak-f circuit's shape: rows, permutations per batch proof, part width and
    /// lookup columns.
    pub keccak: KeccakParams,
    /// The secp256k1 recovery circuit's shape: rows and recoveries per batch proof.
    pub secp: SecpShape,
}

impl Default for TreeConfig {
    fn default() -> Self {
        Self {
            segment_po2: vm::DEFAULT_SEGMENT_PO2,
            leaf_k: 21,
            inner_k: 21,
            root_k: 22,
            wrapper_min_k: 21,
            wrapper_max_k: 22,
            lookup_bits: 20,
            wrapper_lookup_bits: 20,
            keccak: KeccakParams::fitting(18, 6, 4),
            secp: SecpShape::new(19, 8),
        }
    }
}

/// A node's proving key with what proving needs beside it.
#[derive(Debug)]
pub struct NodeKey {
    /// What the node does.
    pub kind: NodeKind,
    /// The proving key (its verifying key inside).
    pub pk: ProvingKey<G1Affine>,
    /// The circuit's configuration (size, columns).
    pub config: AggregationConfigParams,
    /// Where the builder breaks its cells into columns; proving must use the same.
    pub break_points: MultiPhaseThreadBreakPoints,
    /// The content hash the key is cached under.
    pub id: String,
}

/// What the cache keeps beside a key file.
#[derive(Debug, Serialize, Deserialize)]
struct Sidecar {
    id: String,
    config: AggregationConfigParams,
    break_points: MultiPhaseThreadBreakPoints,
    pk_sha256: String,
    /// The verifying key (halo2's raw bytes, hex), so that verifying needs no proving key.
    #[serde(default)]
    vk: Option<String>,
    /// A placeholder proof of the node (hex of [`crate::base_cache`]'s checked bytes), so
    /// that deriving the family needs no verifying key: reading one builds its domain's
    /// FFT tables, 3–4 s and 0.9–1.7 GiB each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    placeholder: Option<String>,
}

/// A circuit at the bottom of the tree, whose proofs the nodes verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum BaseCircuit {
    /// The VM segment circuit.
    Segment,
    /// The keccak-f batch circuit.
    KeccakBatch,
    /// The secp256k1 recovery batch circuit.
    SecpBatch,
}

/// Parameters and keys for one tree configuration.
#[derive(Debug)]
pub struct Keys {
    config: TreeConfig,
    source: ParamsSource,
    key_dir: Option<PathBuf>,
    params: Mutex<HashMap<u32, Arc<ParamsKZG<Bn256>>>>,
    /// Verifying keys of the node circuits met so far, by id, as halo2's bytes (2 KB each):
    /// a `VerifyingKey` itself holds its domain's FFT tables, 0.9 GiB at k = 21 and 1.7 GiB
    /// at k = 22, so a key is read back from its bytes when used and freed after. (The
    /// proving keys are larger still and live on disk between uses.)
    vks: Mutex<HashMap<String, (Vec<u8>, AggregationConfigParams)>>,
    /// The segment and batch circuits' placeholder proofs (protocols; their keys are
    /// made once per process, and kept only as these).
    placeholders: Mutex<HashMap<BaseCircuit, Snark>>,
    /// Placeholder proofs of the node circuits met so far, by key id, with the node's
    /// configuration: what deriving the family and the wrapper's key needs of a node key.
    pub(crate) node_placeholders: Mutex<HashMap<String, (Snark, AggregationConfigParams)>>,
    /// The key family and the batch circuits' key digests, once derived.
    pub(crate) family: Mutex<Option<(KeyFamily, BatchKeys)>>,
}

/// The default directory of cached proving keys: `$ZKVM_KEYS_DIR`, else
/// `$HOME/.cache/zk-rollup-prover/keys`.
pub fn default_key_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ZKVM_KEYS_DIR") {
        return PathBuf::from(dir);
    }
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".cache/zk-rollup-prover/keys"),
        None => std::env::temp_dir().join("zk-rollup-prover-keys"),
    }
}

/// The SHA-256 of a file's contents, in hex.
pub(crate) fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = BufReader::new(File::open(path)?);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

impl Keys {
    /// Keys for `config`, parameters from `source`, node keys cached in `key_dir` (none:
    /// in memory only).
    pub fn new(config: TreeConfig, source: ParamsSource, key_dir: Option<PathBuf>) -> Self {
        Self {
            config,
            source,
            key_dir,
            params: Mutex::default(),
            vks: Mutex::default(),
            placeholders: Mutex::default(),
            node_placeholders: Mutex::default(),
            family: Mutex::default(),
        }
    }

    /// Development keys: insecure parameters, keys cached in [`default_key_dir`].
    pub fn development(config: TreeConfig) -> Self {
        Self::new(config, ParamsSource::Development, Some(default_key_dir()))
    }

    /// The tree's sizes.
    pub fn config(&self) -> &TreeConfig {
        &self.config
    }

    /// Where node keys (and the placeholder proofs of the base circuits) are cached.
    pub(crate) fn key_dir(&self) -> Option<&Path> {
        self.key_dir.as_deref()
    }

    /// Size-`k` parameters, loaded once.
    pub fn params(&self, k: u32) -> Result<Arc<ParamsKZG<Bn256>>, ProveError> {
        let mut cache = self.params.lock().map_err(|_| ProveError::Poisoned)?;
        if let Some(p) = cache.get(&k) {
            return Ok(p.clone());
        }
        let params = match &self.source {
            ParamsSource::Development => circuits::params::dev_params(k)?,
            ParamsSource::Directory(dir) => circuits::params::load_params(dir, k)?,
        };
        let params = Arc::new(params);
        cache.insert(k, params.clone());
        Ok(params)
    }

    /// The part of the size-`k` parameters a verifier reads (`g[0]`, `g2`, `s·g2`): for
    /// the development parameters straight from the seed, without generating them.
    pub fn verifier_params(&self, k: u32) -> Result<ParamsKZG<Bn256>, ProveError> {
        Ok(match &self.source {
            ParamsSource::Development => circuits::params::dev_verifier_params(k),
            ParamsSource::Directory(_) => circuits::params::verifier_part(self.params(k)?.as_ref()),
        })
    }

    /// The segment circuit's verifying key (made on each call).
    pub fn segment_vk(&self) -> Result<VerifyingKey<G1Affine>, ProveError> {
        let k = self.config.segment_po2;
        let params = self.params(k)?;
        let circuit = circuits::segment::SegmentCircuit::keygen(k);
        keygen_vk(params.as_ref(), &circuit).map_err(|e| ProveError::Keys(e.to_string()))
    }

    /// The segment circuit's proving key (seconds to make, gigabytes to keep: made per run).
    pub fn segment_key(&self) -> Result<ProvingKey<G1Affine>, ProveError> {
        let k = self.config.segment_po2;
        let params = self.params(k)?;
        Ok(circuits::segment::keygen(&params, k)?)
    }

    /// The keccak-f circuit's verifying key (made on each call).
    pub fn keccak_vk(&self) -> Result<VerifyingKey<G1Affine>, ProveError> {
        let shape = self.config.keccak;
        let params = self.params(shape.k)?;
        Ok(precompiles::keccak::keygen_vk(&params, shape)?)
    }

    /// The keccak-f circuit's proving key (seconds to make: made per run).
    pub fn keccak_key(&self) -> Result<ProvingKey<G1Affine>, ProveError> {
        let shape = self.config.keccak;
        let params = self.params(shape.k)?;
        Ok(precompiles::keccak::keygen(&params, shape)?)
    }

    /// The secp256k1 circuit's verifying key (made on each call).
    pub fn secp_vk(&self) -> Result<VerifyingKey<G1Affine>, ProveError> {
        let shape = self.config.secp;
        let params = self.params(shape.k)?;
        let (circuit, _) = precompiles::secp256k1::prove::layout(shape)?;
        keygen_vk(params.as_ref(), &circuit).map_err(|e| ProveError::Keys(e.to_string()))
    }

    /// The placeholder proof of `circuit`, made by `make` from its verifying key once per
    /// process and kept.
    pub(crate) fn base_placeholder(
        &self,
        circuit: BaseCircuit,
        make: impl FnOnce() -> Result<Snark, ProveError>,
    ) -> Result<Snark, ProveError> {
        let mut slots = self.placeholders.lock().map_err(|_| ProveError::Poisoned)?;
        if let Some(found) = slots.get(&circuit) {
            return Ok(found.clone());
        }
        let made = make()?;
        slots.insert(circuit, made.clone());
        Ok(made)
    }

    /// The secp256k1 circuit's proving key and layout (seconds to make: made per run).
    pub fn secp_key(&self) -> Result<SecpKey, ProveError> {
        let shape = self.config.secp;
        let params = self.params(shape.k)?;
        Ok(precompiles::secp256k1::keygen(&params, shape)?)
    }

    /// The name a node key is cached under: a hash of everything its circuit is made of.
    /// A leaf's or the wrapper's circuit holds its child's key; an inner or precompile
    /// node's holds the leaf's key digest (its configuration is the leaf's) and the batch
    /// circuit's; the root's holds the whole family.
    /// The name the key of a `kind` node over children of these shapes is cached under.
    pub(crate) fn node_key_id(
        &self,
        kind: NodeKind,
        children: &[Snark],
        inputs: &NodeInputs,
    ) -> Result<String, ProveError> {
        let svk_params = self.params(self.config.segment_po2)?;
        self.node_id(kind, children, inputs, &svk_params)
    }

    fn node_id(
        &self,
        kind: NodeKind,
        children: &[Snark],
        inputs: &NodeInputs,
        params: &ParamsKZG<Bn256>,
    ) -> Result<String, ProveError> {
        let mut hasher = Sha256::new();
        hasher.update(CIRCUIT_VERSION);
        hasher.update(kind.name());
        let (k, bits) = self.node_size(kind);
        hasher.update(k.to_le_bytes());
        if kind == NodeKind::Wrapper {
            hasher.update(self.config.wrapper_max_k.to_le_bytes());
        }
        hasher.update(bits.to_le_bytes());
        let family = &inputs.family;
        match kind {
            NodeKind::Leaf | NodeKind::Wrapper => {
                hasher.update((children.len() as u64).to_le_bytes());
                for child in children {
                    let protocol = serde_json::to_vec(&child.protocol)
                        .map_err(|e| ProveError::Keys(e.to_string()))?;
                    hasher.update(&protocol);
                }
            }
            NodeKind::Inner => hasher.update(family.leaf.to_bytes()),
            NodeKind::Keccak => {
                hasher.update(family.leaf.to_bytes());
                hasher.update(inputs.batch_keys.keccak.to_bytes());
            }
            NodeKind::Secp => {
                hasher.update(family.leaf.to_bytes());
                hasher.update(inputs.batch_keys.secp.to_bytes());
            }
            NodeKind::Root => {
                for digest in [family.leaf, family.inner, family.keccak, family.secp] {
                    hasher.update(digest.to_bytes());
                }
            }
        }
        // The parameters' secret, through s·g2: keys from other parameters are other keys.
        hasher.update(format!("{:?}", params.s_g2()).as_bytes());
        Ok(hex::encode(&hasher.finalize()[..16]))
    }

    fn node_size(&self, kind: NodeKind) -> (u32, usize) {
        match kind {
            NodeKind::Leaf => (self.config.leaf_k, self.config.lookup_bits),
            NodeKind::Inner | NodeKind::Keccak | NodeKind::Secp => {
                (self.config.inner_k, self.config.lookup_bits)
            }
            NodeKind::Root => (self.config.root_k, self.config.wrapper_lookup_bits),
            NodeKind::Wrapper => (self.config.wrapper_min_k, self.config.wrapper_lookup_bits),
        }
    }

    /// The key of a `kind` node over `children` (real proofs, or placeholders of the same
    /// shapes), from the memory cache, the disk cache, or a fresh keygen.
    pub fn node_key(
        &self,
        kind: NodeKind,
        children: &[Snark],
        inputs: &NodeInputs,
    ) -> Result<NodeKey, ProveError> {
        let id = self.node_key_id(kind, children, inputs)?;
        self.key_with_id(kind, children, inputs, id)
    }

    /// [`Keys::node_key`] once the key's id is known.
    fn key_with_id(
        &self,
        kind: NodeKind,
        children: &[Snark],
        inputs: &NodeInputs,
        id: String,
    ) -> Result<NodeKey, ProveError> {
        let key = match self.read_cached(kind, &id) {
            Some(key) => key,
            None => {
                let key = self.keygen(kind, children, inputs, id.clone())?;
                self.write_cached(&key);
                key
            }
        };
        let bytes = vk_bytes(key.pk.get_vk())?;
        self.vks.lock().map_err(|_| ProveError::Poisoned)?.insert(id, (bytes, key.config));
        Ok(key)
    }

    /// The verifying key of a `kind` node over children of these shapes, with the
    /// circuit's configuration (which reading the key back from its bytes needs): from
    /// memory, or else through [`Keys::node_key`] (disk cache or keygen). Placeholder
    /// children of the right shapes will do, since keys do not depend on witnesses.
    pub fn node_vk_with_config(
        &self,
        kind: NodeKind,
        children: &[Snark],
        inputs: &NodeInputs,
    ) -> Result<(VerifyingKey<G1Affine>, AggregationConfigParams), ProveError> {
        let id = self.node_key_id(kind, children, inputs)?;
        let known = self.vks.lock().map_err(|_| ProveError::Poisoned)?.get(&id).cloned();
        if let Some((bytes, config)) = known {
            return Ok((vk_from_bytes(&bytes, config)?, config));
        }
        if let Some((bytes, config)) = self.read_cached_vk(kind, &id) {
            if let Ok(vk) = vk_from_bytes(&bytes, config) {
                self.vks.lock().map_err(|_| ProveError::Poisoned)?.insert(id, (bytes, config));
                return Ok((vk, config));
            }
        }
        let key = self.key_with_id(kind, children, inputs, id)?;
        Ok((key.pk.get_vk().clone(), key.config))
    }

    fn keygen(
        &self,
        kind: NodeKind,
        children: &[Snark],
        inputs: &NodeInputs,
        id: String,
    ) -> Result<NodeKey, ProveError> {
        let (k, lookup_bits) = self.node_size(kind);
        // Every family node has the leaf's configuration.
        let family_config = match kind {
            NodeKind::Inner | NodeKind::Keccak | NodeKind::Secp => Some(self.family_config()?),
            _ => None,
        };
        let start = std::time::Instant::now();
        // The aggregation only reads the generator from the parameters, which all sizes share.
        let svk_params = self.params(self.config.segment_po2)?;
        let sizing = AggregationConfigParams { degree: k, lookup_bits, ..Default::default() };
        let mut circuit = build_circuit(
            CircuitBuilderStage::Keygen,
            kind,
            sizing,
            &svk_params,
            children.to_vec(),
            inputs,
        )?;
        let config = size_circuit(&mut circuit, kind, k, self.config.wrapper_max_k, family_config)
            .ok_or_else(|| {
                ProveError::Keys(format!(
                    "the {} node needs more columns than the leaf's configuration {family_config:?}",
                    kind.name()
                ))
            })?;
        let params = self.params(config.degree)?;
        // One synthesis where `keygen_vk` then `keygen_pk` make two (each copies every
        // cell and copy constraint of the builder, 40 s or so at k = 21); selector
        // compression off, as `keygen_vk` has it, so the key is the same.
        let pk = keygen_pk2(params.as_ref(), &circuit, false)
            .map_err(|e| ProveError::Keys(e.to_string()))?;
        let break_points = circuit.break_points();
        tracing::info!(
            kind = kind.name(),
            id,
            k = config.degree,
            advice = config.num_advice,
            lookup = config.num_lookup_advice,
            fixed = config.num_fixed,
            secs = start.elapsed().as_secs_f64(),
            "node keygen"
        );
        Ok(NodeKey { kind, pk, config, break_points, id })
    }

    fn paths(&self, kind: NodeKind, id: &str) -> Option<(PathBuf, PathBuf)> {
        let dir = self.key_dir.as_ref()?;
        let base = format!("{}-{id}", kind.name());
        Some((dir.join(format!("{base}.pk")), dir.join(format!("{base}.json"))))
    }

    /// The verifying key's bytes from a sidecar, when it has one for this id.
    fn read_cached_vk(
        &self,
        kind: NodeKind,
        id: &str,
    ) -> Option<(Vec<u8>, AggregationConfigParams)> {
        let (_, sidecar_path) = self.paths(kind, id)?;
        let sidecar: Sidecar = serde_json::from_slice(&fs::read(&sidecar_path).ok()?).ok()?;
        if sidecar.id != id {
            return None;
        }
        Some((hex::decode(sidecar.vk?).ok()?, sidecar.config))
    }

    /// The placeholder proof in `id`'s sidecar, with the node's configuration, if the
    /// sidecar has one that reads back intact.
    pub(crate) fn read_cached_placeholder(
        &self,
        kind: NodeKind,
        id: &str,
    ) -> Option<(Snark, AggregationConfigParams)> {
        let (_, sidecar_path) = self.paths(kind, id)?;
        let sidecar: Sidecar = serde_json::from_slice(&fs::read(&sidecar_path).ok()?).ok()?;
        if sidecar.id != id {
            return None;
        }
        let snark = checked_snark(&hex::decode(sidecar.placeholder?).ok()?)?;
        Some((snark, sidecar.config))
    }

    /// Puts `snark`, a placeholder proof of the node, in `id`'s sidecar where the key is
    /// cached, in place of any it held (written whole to a partial file, then renamed over
    /// the old one); a failure only costs a later process a verifying key's read, so it is
    /// logged.
    pub(crate) fn cache_placeholder(&self, kind: NodeKind, id: &str, snark: &Snark) {
        let Some((_, sidecar_path)) = self.paths(kind, id) else { return };
        let result = (|| -> std::io::Result<()> {
            let Ok(mut sidecar) = serde_json::from_slice::<Sidecar>(&fs::read(&sidecar_path)?)
            else {
                return Ok(());
            };
            if sidecar.id != id {
                return Ok(());
            }
            sidecar.placeholder = Some(hex::encode(checked_bytes(snark)?));
            let json = serde_json::to_vec_pretty(&sidecar)?;
            write_whole(&sidecar_path, |file| file.write_all(&json))
        })();
        if let Err(e) = result {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(error = %e, path = %sidecar_path.display(), "cannot cache the placeholder proof");
            }
        }
    }

    fn read_cached(&self, kind: NodeKind, id: &str) -> Option<NodeKey> {
        let (pk_path, sidecar_path) = self.paths(kind, id)?;
        let sidecar: Sidecar = serde_json::from_slice(&fs::read(&sidecar_path).ok()?).ok()?;
        let valid = sidecar.id == id && sha256_file(&pk_path).ok()? == sidecar.pk_sha256;
        if !valid {
            tracing::warn!(path = %pk_path.display(), "cached proving key does not match its sidecar; regenerating");
            return None;
        }
        let mut reader = BufReader::new(File::open(&pk_path).ok()?);
        let pk = ProvingKey::read::<_, AggregationCircuit>(
            &mut reader,
            SerdeFormat::RawBytesUnchecked,
            sidecar.config,
        )
        .ok()?;
        tracing::info!(kind = kind.name(), id, "node key read from the cache");
        Some(NodeKey {
            kind,
            pk,
            config: sidecar.config,
            break_points: sidecar.break_points,
            id: id.to_string(),
        })
    }

    /// Writes a key to the disk cache; a failure only costs a later keygen, so it is logged.
    fn write_cached(&self, key: &NodeKey) {
        let Some((pk_path, sidecar_path)) = self.paths(key.kind, &key.id) else { return };
        let result = (|| -> std::io::Result<()> {
            let pk_sha256 = write_whole(&pk_path, |file| {
                let mut writer = BufWriter::new(file.as_file_mut());
                key.pk.write(&mut writer, SerdeFormat::RawBytesUnchecked)?;
                writer.flush()?;
                drop(writer);
                sha256_file(file.path())
            })?;
            let sidecar = Sidecar {
                id: key.id.clone(),
                config: key.config,
                break_points: key.break_points.clone(),
                pk_sha256,
                vk: vk_bytes(key.pk.get_vk()).ok().map(hex::encode),
                placeholder: None,
            };
            let json = serde_json::to_vec_pretty(&sidecar)?;
            write_whole(&sidecar_path, |file| file.write_all(&json))
        })();
        if let Err(e) = result {
            tracing::warn!(error = %e, path = %pk_path.display(), "cannot cache the proving key");
        }
    }
}

/// A node's verifying key as halo2's raw bytes.
fn vk_bytes(vk: &VerifyingKey<G1Affine>) -> Result<Vec<u8>, ProveError> {
    let mut bytes = Vec::new();
    vk.write(&mut bytes, SerdeFormat::RawBytes).map_err(|e| ProveError::Keys(e.to_string()))?;
    Ok(bytes)
}

/// A node's verifying key from [`vk_bytes`]' bytes and its circuit's configuration.
fn vk_from_bytes(
    bytes: &[u8],
    config: AggregationConfigParams,
) -> Result<VerifyingKey<G1Affine>, ProveError> {
    VerifyingKey::read::<_, AggregationCircuit>(&mut &bytes[..], SerdeFormat::RawBytes, config)
        .map_err(|e| ProveError::Keys(format!("a node's verifying key does not read: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use circuits::Fr;
    use halo2_base::gates::circuit::builder::BaseCircuitBuilder;
    use halo2_base::gates::{GateInstructions, RangeInstructions};

    #[test]
    fn one_synthesis_makes_the_key_that_keygen_vk_then_keygen_pk_make() {
        let k = 10;
        let params = circuits::params::dev_params(k).unwrap();
        let mut builder = BaseCircuitBuilder::<Fr>::from_stage(CircuitBuilderStage::Keygen)
            .use_k(k as usize)
            .use_lookup_bits(8)
            .use_instance_columns(1);
        let range = builder.range_chip();
        let ctx = builder.main(0);
        let [a, b, c] = [3u64, 5, 7].map(|v| ctx.load_witness(Fr::from(v)));
        let out = range.gate().mul_add(ctx, a, b, c);
        range.range_check(ctx, out, 16);
        let constant = ctx.load_constant(Fr::from(22));
        ctx.constrain_equal(&out, &constant);
        builder.assigned_instances[0].push(out);
        builder.calculate_params(Some(9));

        let vk = keygen_vk(&params, &builder).unwrap();
        let pk = keygen_pk2(&params, &builder, false).unwrap();
        // The representation hashes the whole key: domain, constraint system, fixed and
        // permutation commitments.
        assert_eq!(vk.transcript_repr(), pk.get_vk().transcript_repr());
        assert_eq!(vk.fixed_commitments(), pk.get_vk().fixed_commitments());
    }

    #[test]
    fn a_node_placeholder_is_kept_in_its_keys_sidecar_and_read_back_intact_only() {
        let dir = tempfile::tempdir().unwrap();
        let keccak = KeccakParams { k: 13, capacity: 2, part_width: 4, groups: 2 };
        let config = TreeConfig { keccak, ..TreeConfig::default() };
        let keys = Keys::new(config, ParamsSource::Development, Some(dir.path().to_path_buf()));
        // Any snark stands for a node's placeholder here.
        let snark = keys.placeholder_of(BaseCircuit::KeccakBatch).unwrap();
        let protocol = |s: &Snark| serde_json::to_vec(&s.protocol).unwrap();
        let (kind, id) = (NodeKind::Inner, "0123abcd");
        let (_, sidecar_path) = keys.paths(kind, id).unwrap();

        // No key cached: nothing is written.
        keys.cache_placeholder(kind, id, &snark);
        assert!(!sidecar_path.exists());
        assert!(keys.read_cached_placeholder(kind, id).is_none());

        // A sidecar as keygen writes it gains the placeholder.
        let node_config = AggregationConfigParams { degree: 21, ..Default::default() };
        let sidecar = Sidecar {
            id: id.into(),
            config: node_config,
            break_points: Default::default(),
            pk_sha256: "00".into(),
            vk: None,
            placeholder: None,
        };
        fs::write(&sidecar_path, serde_json::to_vec(&sidecar).unwrap()).unwrap();
        assert!(keys.read_cached_placeholder(kind, id).is_none());
        keys.cache_placeholder(kind, id, &snark);
        let (read, read_config) = keys.read_cached_placeholder(kind, id).unwrap();
        assert_eq!(protocol(&read), protocol(&snark));
        assert_eq!(read_config.degree, 21);
        // Another key's name does not read it.
        assert!(keys.read_cached_placeholder(kind, "0123abce").is_none());

        // One changed hex digit of it and it is not read.
        let mut json: serde_json::Value =
            serde_json::from_slice(&fs::read(&sidecar_path).unwrap()).unwrap();
        let mut hex_text = json["placeholder"].as_str().unwrap().to_string();
        let digit = if &hex_text[200..201] == "0" { "1" } else { "0" };
        hex_text.replace_range(200..201, digit);
        json["placeholder"] = serde_json::Value::String(hex_text);
        fs::write(&sidecar_path, serde_json::to_vec(&json).unwrap()).unwrap();
        assert!(keys.read_cached_placeholder(kind, id).is_none());
        // Made again, it takes the damaged one's place.
        keys.cache_placeholder(kind, id, &snark);
        assert_eq!(protocol(&keys.read_cached_placeholder(kind, id).unwrap().0), protocol(&snark));
    }
}
