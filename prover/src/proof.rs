//! The proof a user keeps: the wrapper's SNARK, its public inputs by name, and the EVM
//! calldata, in one JSON file.
//!
//! File format (version 1), a JSON object:
//!
//! | field | content |
//! |---|---|
//! | `version` | `1` |
//! | `program_id` | the program's identity, a BN254 scalar as `0x` + 64 hex digits (big-endian) |
//! | `output` | the committed 32-byte digest, `0x` + 64 hex digits |
//! | `segments` | segments the proof covers |
//! | `keccak_batches` | keccak-f batch proofs the tree verifies (0 when the run made no KECCAK_PERMUTE call; absent in older files) |
//! | `secp_batches` | secp256k1 recovery batch proofs the tree verifies (0 when the run made no SECP256K1_RECOVER call; absent in older files). The three counts ([`TreeShape`]) describe the tree; the wrapper's key is the same for every tree |
//! | `cycles` | cycles the run took |
//! | `public_inputs` | `accumulator` (12 scalars), `program_id`, `digest_hi`, `digest_lo` |
//! | `proof` | the wrapper's SHPLONK proof over the Keccak transcript, `0x` + hex |
//! | `calldata` | the verifier contract's calldata: the public inputs as 32-byte words, then the proof |
//!
//! [`Proof::from_json`] refuses a file whose fields do not parse; [`crate::verify`] refuses
//! one whose fields disagree with each other or whose SNARK does not verify.

use std::path::Path;

use circuits::Fr;
use serde::{de::Error as _, Deserialize, Deserializer, Serialize, Serializer};
use snark_verifier_sdk::snark_verifier::loader::evm::encode_calldata;

use crate::node::ACCUMULATOR_LIMBS;
use crate::output::OutputDigest;
use crate::shape::TreeShape;

/// The current file format.
pub const FORMAT_VERSION: u32 = 1;

/// A BN254 scalar as a 32-byte big-endian word, the EVM's (and the calldata's) form.
pub fn scalar_word(f: &Fr) -> [u8; 32] {
    let mut be = f.to_bytes();
    be.reverse();
    be
}

/// `program`'s id (the page-tree root of its initial memory, which every proof of it
/// states) as `0x` + 64 big-endian hex digits, the form proof files and the service use.
pub fn program_id_hex(program: &vm::Program) -> String {
    scalar::to_hex(&circuits::paging::program_id(program))
}

/// A BN254 scalar as `0x` + 64 big-endian hex digits.
mod scalar {
    use super::*;

    pub(crate) fn to_hex(f: &Fr) -> String {
        format!("0x{}", hex::encode(scalar_word(f)))
    }

    pub(crate) fn from_hex(text: &str) -> Option<Fr> {
        let bytes = hex::decode(text.strip_prefix("0x")?).ok()?;
        let mut le: [u8; 32] = bytes.try_into().ok()?;
        le.reverse();
        Option::from(Fr::from_bytes(&le))
    }

    pub(crate) fn serialize<S: Serializer>(f: &Fr, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&to_hex(f))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Fr, D::Error> {
        let text = String::deserialize(d)?;
        from_hex(&text).ok_or_else(|| D::Error::custom(format!("not a BN254 scalar: {text}")))
    }
}

mod scalars {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        fs: &[Fr; ACCUMULATOR_LIMBS],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        fs.iter().map(scalar::to_hex).collect::<Vec<_>>().serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<[Fr; ACCUMULATOR_LIMBS], D::Error> {
        let texts = Vec::<String>::deserialize(d)?;
        let values = texts
            .iter()
            .map(|t| {
                scalar::from_hex(t)
                    .ok_or_else(|| D::Error::custom(format!("not a BN254 scalar: {t}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        values.try_into().map_err(|_| D::Error::custom("expected 12 accumulator limbs"))
    }
}

pub(crate) mod bytes_hex {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{}", hex::encode(b)))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        hex::decode(text.strip_prefix("0x").unwrap_or(&text)).map_err(D::Error::custom)
    }
}

pub(crate) use scalar::to_hex as scalar_hex;

/// The wrapper's public inputs, in their order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicInputs {
    /// The KZG accumulator every proof below was folded into: `lhs.x, lhs.y, rhs.x, rhs.y`,
    /// three 88-bit limbs each.
    #[serde(with = "scalars")]
    pub accumulator: [Fr; ACCUMULATOR_LIMBS],
    /// The program's identity.
    #[serde(with = "scalar")]
    pub program_id: Fr,
    /// Bytes 0..16 of the digest, big-endian.
    #[serde(with = "scalar")]
    pub digest_hi: Fr,
    /// Bytes 16..32 of the digest, big-endian.
    #[serde(with = "scalar")]
    pub digest_lo: Fr,
}

impl PublicInputs {
    /// The instance column, in order.
    pub fn to_vec(&self) -> Vec<Fr> {
        let mut out = self.accumulator.to_vec();
        out.extend([self.program_id, self.digest_hi, self.digest_lo]);
        out
    }

    /// Reads the instance column; `None` unless it has exactly 15 values.
    pub fn from_slice(values: &[Fr]) -> Option<Self> {
        if values.len() != ACCUMULATOR_LIMBS + 3 {
            return None;
        }
        Some(Self {
            accumulator: values[..ACCUMULATOR_LIMBS].try_into().ok()?,
            program_id: values[ACCUMULATOR_LIMBS],
            digest_hi: values[ACCUMULATOR_LIMBS + 1],
            digest_lo: values[ACCUMULATOR_LIMBS + 2],
        })
    }
}

/// A whole program's proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proof {
    /// The file format ([`FORMAT_VERSION`]).
    pub version: u32,
    /// The program's identity.
    #[serde(with = "scalar")]
    pub program_id: Fr,
    /// The 32 bytes the program committed.
    pub output: OutputDigest,
    /// Segments the proof covers.
    pub segments: u32,
    /// keccak-f batch proofs the tree verifies (0 for a run without KECCAK_PERMUTE).
    #[serde(default)]
    pub keccak_batches: u32,
    /// secp256k1 batch proofs the tree verifies (0 for a run without SECP256K1_RECOVER).
    #[serde(default)]
    pub secp_batches: u32,
    /// Cycles of the run.
    pub cycles: u64,
    /// The wrapper's public inputs.
    pub public_inputs: PublicInputs,
    /// The wrapper's proof bytes (Keccak transcript).
    #[serde(with = "bytes_hex")]
    pub proof: Vec<u8>,
    /// Calldata for the EVM verifier: the public inputs, then the proof.
    #[serde(with = "bytes_hex")]
    pub calldata: Vec<u8>,
}

/// Why a proof file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ProofFileError {
    /// The file could not be read or written.
    #[error("proof file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The contents are not a proof.
    #[error("not a proof file: {0}")]
    Format(#[from] serde_json::Error),
    /// A format version this build does not read.
    #[error("proof file version {0} is not supported (this build reads version {FORMAT_VERSION})")]
    Version(u32),
}

impl Proof {
    /// Assembles a proof over a tree of `shape`; the calldata is derived from the public
    /// inputs and the proof.
    pub fn new(
        output: OutputDigest,
        shape: TreeShape,
        cycles: u64,
        public_inputs: PublicInputs,
        proof: Vec<u8>,
    ) -> Self {
        let calldata = encode_calldata(&[public_inputs.to_vec()], &proof);
        Self {
            version: FORMAT_VERSION,
            program_id: public_inputs.program_id,
            output,
            segments: shape.segments,
            keccak_batches: shape.keccak_batches,
            secp_batches: shape.secp_batches,
            cycles,
            public_inputs,
            proof,
            calldata,
        }
    }

    /// The tree the proof covers, as the file states it (a record of how it was made: the
    /// wrapper's key, so the verification, is the same for every tree).
    pub fn shape(&self) -> TreeShape {
        TreeShape {
            segments: self.segments,
            keccak_batches: self.keccak_batches,
            secp_batches: self.secp_batches,
        }
    }

    /// The program id the proof is about.
    pub fn program_id(&self) -> Fr {
        self.program_id
    }

    /// The program id as `0x` + 64 hex digits.
    pub fn program_id_hex(&self) -> String {
        scalar::to_hex(&self.program_id)
    }

    /// The calldata the fields imply (to compare with [`Proof::calldata`]).
    pub fn expected_calldata(&self) -> Vec<u8> {
        encode_calldata(&[self.public_inputs.to_vec()], &self.proof)
    }

    /// The proof as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Parses a proof file's contents.
    pub fn from_json(text: &str) -> Result<Self, ProofFileError> {
        let proof: Proof = serde_json::from_str(text)?;
        if proof.version != FORMAT_VERSION {
            return Err(ProofFileError::Version(proof.version));
        }
        Ok(proof)
    }

    /// Writes the proof file.
    pub fn write(&self, path: &Path) -> Result<(), ProofFileError> {
        std::fs::write(path, self.to_json())
            .map_err(|source| ProofFileError::Io { path: path.display().to_string(), source })
    }

    /// Reads a proof file.
    pub fn read(path: &Path) -> Result<Self, ProofFileError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ProofFileError::Io { path: path.display().to_string(), source })?;
        Self::from_json(&text)
    }
}

/// Parses a program id written as `0x` + 64 hex digits.
pub fn parse_program_id(text: &str) -> Option<Fr> {
    scalar::from_hex(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Proof {
        let public_inputs = PublicInputs {
            accumulator: std::array::from_fn(|i| Fr::from(i as u64 + 1)),
            program_id: Fr::from(77),
            digest_hi: Fr::from(5),
            digest_lo: Fr::from(6),
        };
        Proof::new(
            OutputDigest([9; 32]),
            TreeShape::segments(2),
            1000,
            public_inputs,
            vec![1, 2, 3],
        )
    }

    #[test]
    fn the_file_round_trips() {
        let proof = sample();
        assert_eq!(Proof::from_json(&proof.to_json()).unwrap(), proof);
        assert_eq!(parse_program_id(&proof.program_id_hex()), Some(Fr::from(77)));
        assert_eq!(proof.calldata.len(), 15 * 32 + 3);
    }

    #[test]
    fn malformed_files_are_typed_errors() {
        assert!(matches!(Proof::from_json("{"), Err(ProofFileError::Format(_))));
        let text = sample().to_json().replace("\"version\": 1", "\"version\": 9");
        assert!(matches!(Proof::from_json(&text), Err(ProofFileError::Version(9))));
        // A scalar at or above the field's modulus is not a scalar.
        let text = sample().to_json().replacen(
            &scalar::to_hex(&Fr::from(77)),
            &format!("0x{}", "ff".repeat(32)),
            1,
        );
        assert!(matches!(Proof::from_json(&text), Err(ProofFileError::Format(_))));
    }
}
