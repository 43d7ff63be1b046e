//! The service's domain vocabulary: job and stage statuses, stage kinds, modes, and the
//! job id derived from the idempotency key.

use alloy_primitives::B256;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// Where a job or one of its stages stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for a worker (also after a retryable failure or a lost lease).
    Queued,
    /// A worker holds its lease.
    Running,
    /// Done; the result is there.
    Succeeded,
    /// Failed for good (a permanent error, or retries exhausted).
    Failed,
    /// Cancelled by a client or by the follower on a reorg.
    Cancelled,
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Self; 5] =
        [Self::Queued, Self::Running, Self::Succeeded, Self::Failed, Self::Cancelled];

    /// The name stored in the database and shown in the API.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// The status named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Whether nothing more will happen to it.
    pub const fn is_final(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Cancelled)
    }
}

/// The stages a job runs through, in order: `witness` (for a block named by number or
/// hash), `execute`, then `prove` in mode `prove`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StageKind {
    /// Fetch the block and its witness from the node and build the guest input.
    Witness,
    /// Run the block-validator guest in the executor.
    Execute,
    /// Prove the block-validator's run down to the wrapper SNARK and verify it, in a
    /// child process that a cancel kills.
    Prove,
}

impl StageKind {
    /// Every stage kind.
    pub const ALL: [Self; 3] = [Self::Witness, Self::Execute, Self::Prove];

    /// The name stored in the database and shown in the API.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Witness => "witness",
            Self::Execute => "execute",
            Self::Prove => "prove",
        }
    }

    /// The most memory a worker needs for this stage, in MiB. `prove`'s figure is its
    /// measured peak at the default tree configuration (a k = 21 leaf or inner node and
    /// the k = 22 wrapper: 19.1 GiB on the 2-core reference machine), plus headroom; a
    /// worker claims only the stages that fit its `max_memory`.
    pub const fn peak_mib(self) -> u64 {
        match self {
            Self::Witness => 512,
            Self::Execute => 1_024,
            Self::Prove => 20_480,
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// What a job produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Execute the block in the guest: cycles, segments, syscalls, public values.
    Execute,
    /// Execute, then prove the block down to the wrapper SNARK that `Rollup.sol`'s
    /// verifier checks; the proof is returned only once it verified.
    Prove,
}

impl Mode {
    /// The name stored in the database and shown in the API.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Execute => "execute",
            Self::Prove => "prove",
        }
    }

    /// The mode named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Execute, Self::Prove].into_iter().find(|m| m.as_str() == name)
    }
}

/// A job's id: the first 16 bytes of SHA-256 over its idempotency key (chain id, block
/// hash, program id, mode), in hex. The same request always names the same job, so
/// concurrent duplicate submissions meet on the primary key.
pub fn job_id(chain_id: u64, block_hash: B256, program_id: &str, mode: Mode) -> String {
    let mut hasher = Sha256::new();
    hasher.update(chain_id.to_be_bytes());
    hasher.update(block_hash);
    hasher.update(program_id.as_bytes());
    hasher.update(mode.as_str().as_bytes());
    hex::encode(&hasher.finalize()[..16])
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    let since =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
        for kind in StageKind::ALL {
            assert_eq!(StageKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Mode::parse("prove"), Some(Mode::Prove));
        assert_eq!(Status::parse("done"), None);
    }

    #[test]
    fn job_ids_follow_every_part_of_the_key() {
        let base = job_id(1, B256::ZERO, "p", Mode::Execute);
        assert_eq!(base, job_id(1, B256::ZERO, "p", Mode::Execute));
        assert_eq!(base.len(), 32);
        assert_ne!(base, job_id(2, B256::ZERO, "p", Mode::Execute));
        assert_ne!(base, job_id(1, B256::repeat_byte(1), "p", Mode::Execute));
        assert_ne!(base, job_id(1, B256::ZERO, "q", Mode::Execute));
        assert_ne!(base, job_id(1, B256::ZERO, "p", Mode::Prove));
    }
}
