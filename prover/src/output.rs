//! A program's proven output: one 32-byte digest, committed in one `COMMIT` call.
//!
//! The root proves the output chain of exactly that call, so the statement a proof makes
//! is "the program with this id halted successfully and committed these 32 bytes". A
//! guest with more to say commits the hash of it (the block validator commits
//! `keccak256(abi.encode(PublicValues))`), and the host keeps the preimage beside the
//! proof.

use circuits::chains::{commit_values, Chain, Chains};
use circuits::Fr;
use serde::{Deserialize, Serialize};

/// The 32 bytes a provable program commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OutputDigest(#[serde(with = "hex_bytes")] pub [u8; 32]);

/// Why a run's output is not a provable statement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutputError {
    /// The run made another number of COMMIT calls than one.
    #[error("a provable program commits its output in exactly one COMMIT call, this one made {0}")]
    CommitCalls(u64),
    /// The one COMMIT was not 32 bytes.
    #[error("a provable program commits exactly 32 bytes (a digest), this one committed {0}")]
    Length(usize),
}

impl OutputDigest {
    /// The digest a run committed, if it made exactly one 32-byte COMMIT.
    pub fn from_run(commit_calls: u64, output: &[u8]) -> Result<Self, OutputError> {
        if commit_calls != 1 {
            return Err(OutputError::CommitCalls(commit_calls));
        }
        let bytes: [u8; 32] = output.try_into().map_err(|_| OutputError::Length(output.len()))?;
        Ok(Self(bytes))
    }

    /// The output chain's value after committing the digest in one call.
    pub fn output_chain(&self) -> Fr {
        let mut chains = Chains::initial();
        chains.absorb(Chain::Output, &commit_values(&self.0));
        chains.get(Chain::Output)
    }

    /// The two public inputs: bytes 0..16 and 16..32, each as a big-endian integer.
    pub fn halves(&self) -> [Fr; 2] {
        let half = |b: &[u8]| {
            let mut be = [0u8; 16];
            be.copy_from_slice(b);
            let value = u128::from_be_bytes(be);
            Fr::from((value >> 64) as u64) * Fr::from(1u64 << 32) * Fr::from(1u64 << 32)
                + Fr::from(value as u64)
        };
        [half(&self.0[..16]), half(&self.0[16..])]
    }
}

/// Serde for byte arrays as `0x`-prefixed hex.
pub(crate) mod hex_bytes {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer, const N: usize>(
        bytes: &[u8; N],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{}", hex::encode(bytes)))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
        d: D,
    ) -> Result<[u8; N], D::Error> {
        let text = String::deserialize(d)?;
        let bytes = hex::decode(text.trim_start_matches("0x")).map_err(D::Error::custom)?;
        bytes.try_into().map_err(|_| D::Error::custom(format!("expected {N} bytes")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_32_byte_commit_is_a_digest() {
        assert!(OutputDigest::from_run(1, &[0; 32]).is_ok());
        assert_eq!(OutputDigest::from_run(2, &[0; 32]), Err(OutputError::CommitCalls(2)));
        assert_eq!(OutputDigest::from_run(1, &[0; 12]), Err(OutputError::Length(12)));
    }

    #[test]
    fn halves_are_big_endian() {
        let mut bytes = [0u8; 32];
        bytes[15] = 1;
        bytes[31] = 2;
        assert_eq!(OutputDigest(bytes).halves(), [Fr::from(1), Fr::from(2)]);
    }
}
