//! The service's domain vocabulary: job and stage statuses, stage kinds (with the memory
//! each needs), modes, and the job id derived from the idempotency key.

use alloy_primitives::B256;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// Where a job or one of its stages stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A proof part's stage whose children are not all proved yet (stages only).
    Waiting,
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
    pub const ALL: [Self; 6] = [
        Self::Waiting,
        Self::Queued,
        Self::Running,
        Self::Succeeded,
        Self::Failed,
        Self::Cancelled,
    ];

    /// The name stored in the database and shown in the API.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
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

/// The stages a job runs through: `witness` (for a block named by number or hash), then
/// `execute`; in mode `prove`, then one stage per part of the proof (each segment, each
/// precompile batch, each node of the tree, the wrapper), which any worker may claim once
/// the parts it takes are proved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StageKind {
    /// Fetch the block and its witness from the node and build the guest input.
    Witness,
    /// Run the guest in the executor (and, in mode `prove`, plan the proof's parts).
    Execute,
    /// Prove one segment of the run.
    Segment,
    /// Prove one batch of keccak-f permutations.
    KeccakBatch,
    /// Prove one batch of secp256k1 recoveries.
    SecpBatch,
    /// Prove one aggregation node over its children's proofs (a leaf, an inner node, or
    /// the node that links a precompile's batches).
    Node,
    /// Prove the wrapper (the root statement), verify the proof, and finish the job.
    Wrapper,
}

impl StageKind {
    /// Every stage kind.
    pub const ALL: [Self; 7] = [
        Self::Witness,
        Self::Execute,
        Self::Segment,
        Self::KeccakBatch,
        Self::SecpBatch,
        Self::Node,
        Self::Wrapper,
    ];

    /// The name stored in the database and shown in the API.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Witness => "witness",
            Self::Execute => "execute",
            Self::Segment => "segment",
            Self::KeccakBatch => "keccak_batch",
            Self::SecpBatch => "secp_batch",
            Self::Node => "node",
            Self::Wrapper => "wrapper",
        }
    }

    /// The stage that proves `part`.
    pub fn of_part(part: &prover::Part) -> Self {
        use prover::Part;
        match part {
            Part::Segment(_) => Self::Segment,
            Part::KeccakBatch(_) => Self::KeccakBatch,
            Part::SecpBatch(_) => Self::SecpBatch,
            Part::Leaf(_)
            | Part::Inner { .. }
            | Part::KeccakNode(_)
            | Part::SecpNode(_)
            | Part::Root => Self::Node,
            Part::Wrapper => Self::Wrapper,
        }
    }

    /// The most memory a worker needs for this stage, in MiB: the measured peak at the
    /// default tree configuration on the 2-core reference machine, plus headroom. A
    /// segment of 2^18 rows peaks at 13.3 GiB, a keccak-f batch (k = 18) at 4.1 GiB, a
    /// secp256k1 batch (k = 19, 8 recoveries) at 2.9 GiB. A node stage peaks in its keygen
    /// where its key is not cached yet: 14.3 GiB for a leaf, 13.3 GiB for the keccak node,
    /// less for the others; proving, 12.7 GiB (a leaf) or less. The wrapper's keygen peaks
    /// at 10.2 GiB, its proof at 7.9 GiB. A worker claims only the stages that fit its
    /// `max_memory`.
    pub const fn peak_mib(self) -> u64 {
        match self {
            Self::Witness => 512,
            Self::Execute => 1_024,
            Self::Segment => 14_336,
            Self::KeccakBatch => 5_120,
            Self::SecpBatch => 3_584,
            Self::Node => 16_384,
            Self::Wrapper => 12_288,
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
