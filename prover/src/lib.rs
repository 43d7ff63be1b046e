//! The proof stack's API: run a guest, prove the run, check the proof.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use prover::{execute, prove, verify, Keys, TreeConfig};
//! let elf = std::fs::read("guest.elf")?;
//! let input = vec![];
//! let run = execute(&elf, &input, &TreeConfig::default())?;
//! println!("{} cycles in {} segments", run.cycles, run.segments);
//! let keys = Keys::development(TreeConfig::default());
//! let proof = prove(&elf, &input, &keys)?;
//! let output = verify(&proof, proof.program_id(), &keys)?;
//! println!("the program committed {:?}", output.digest);
//! # Ok(()) }
//! ```
//!
//! How a proof is made ([`prove`]): the guest runs in trace mode and is cut into segments;
//! each segment is proved by the VM segment circuit; a **leaf** aggregation circuit
//! verifies each segment proof; **inner** nodes verify two node proofs each and
//! constrain, in-circuit, that the second starts where the first ended and that only the
//! last one halted; a **keccak** or **secp** node per precompile batch discharges that
//! batch from the end of the execution's chain; the **root** verifies the top node,
//! proves the root statement (the initial chains, a halt with exit code 0, no unproved
//! precompile call, the output chain of the committed digest) and exposes `program_id`
//! and the digest; the **wrapper** verifies the root with one advice column (every column
//! of it costs gas on L1) and exposes the same. The KZG accumulator of every proof below
//! it is folded into the wrapper's public inputs, and [`verify`] checks it with one
//! pairing.
//!
//! One set of keys serves every tree: the nodes below the root share one configuration
//! and verify their node children with the children's keys as witnesses, admitting only
//! the tree's own four node keys ([`gadgets::family`]). So the wrapper's key, and the EVM
//! verifier made from it, do not depend on how many segments and batches a run has.
//!
//! What a proof states: "the program whose initial memory has Poseidon root `program_id`
//! ran from its entry point, halted with exit code 0, and committed exactly these 32
//! bytes in one `COMMIT`" ([`output::OutputDigest`]).

mod base_cache;
pub mod boundary;
pub mod gadgets;
pub mod keys;
pub mod node;
pub mod output;
pub mod parts;
mod pipeline;
pub mod plan;
pub mod proof;
pub mod shape;
pub mod snark;
mod tree_keys;
pub mod verifier;

pub use keys::{Keys, ParamsSource, TreeConfig};
pub use output::OutputDigest;
pub use parts::{
    plan, prove_part, snark_from_bytes, snark_to_bytes, Part, PartProof, Plan, PlannedPart,
};
pub use pipeline::{
    execute, prove, prove_program, prove_with_progress, verify, verify_with_key, Execution,
    NodeStats, Progress, PublicOutput, MAX_SEGMENTS,
};
pub use proof::{program_id_hex, scalar_word, Proof, ProofFileError, PublicInputs};
pub use shape::TreeShape;
pub use tree_keys::wrapper_vk;
pub use verifier::{export_verifier, solidity_verifier, WrapperVk, WrapperVkError};

use circuits::params::ParamsError;
use circuits::segment::ProveError as SegmentProveError;

pub use circuits::peak_rss_mib;

/// Why a program could not be run or proved.
#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    /// The ELF or the configuration was refused, or the guest faulted.
    #[error("execution failed: {0}")]
    Execution(#[from] vm::VmError),
    /// The guest halted with a non-zero exit code: there is no proof of a failed run.
    #[error("the guest halted with exit code {0}; only a run that exits with 0 has a proof")]
    ExitCode(u32),
    /// The keccak-f batches could not be built or proved.
    #[error("keccak-f: {0}")]
    Keccak(#[from] precompiles::keccak::KeccakError),
    /// The secp256k1 recovery batches could not be built or proved.
    #[error("secp256k1: {0}")]
    Secp(#[from] precompiles::secp256k1::SecpError),
    /// The output is not one 32-byte COMMIT.
    #[error(transparent)]
    Output(#[from] output::OutputError),
    /// The run has more segments than a proof may cover.
    #[error("the run has {0} segments, more than a proof covers (65536)")]
    TooManySegments(usize),
    /// The segments do not link (an executor bug: the records disagree).
    #[error("the segment records do not link: {0}")]
    Link(#[from] boundary::LinkError),
    /// KZG parameters could not be had.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// A segment could not be proved.
    #[error("segment proof: {0}")]
    Segment(#[from] SegmentProveError),
    /// A node's circuit could not be built.
    #[error("tree node: {0}")]
    Node(#[from] node::NodeError),
    /// A node or wrapper proof could not be made or did not verify.
    #[error("tree proof: {0}")]
    Snark(#[from] snark::SnarkError),
    /// Key generation failed.
    #[error("keygen: {0}")]
    Keys(String),
    /// A part of a proof could not be proved as asked (it is not in the run's tree, or
    /// it was given the wrong children).
    #[error("proof part: {0}")]
    Part(String),
    /// The finished proof did not pass [`verify`] (never returned as a proof).
    #[error("the finished proof does not verify: {0}")]
    Verify(#[from] VerifyError),
    /// A lock was poisoned by a panic elsewhere.
    #[error("internal lock poisoned")]
    Poisoned,
}

/// Why a proof was rejected.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The proof is for another program.
    #[error("the proof is for program {found}, not {expected}")]
    ProgramMismatch {
        /// The program id asked for.
        expected: String,
        /// The one in the proof.
        found: String,
    },
    /// The public inputs disagree with the proof's stated program id or digest.
    #[error("the public inputs do not encode the proof's program id and output digest")]
    StatementMismatch,
    /// The calldata is not the encoding of the public inputs and proof bytes.
    #[error("the calldata does not encode the proof")]
    CalldataMismatch,
    /// The tree shape is unusable (no segments, or a count above `MAX_SEGMENTS`).
    #[error(
        "a proof covers between 1 and 65536 segments, and at most 65536 batches of each precompile"
    )]
    Shape,
    /// The verifying key could not be derived.
    #[error("verifying key: {0}")]
    Keys(Box<ProveError>),
    /// The SNARK or its accumulator does not verify.
    #[error("the SNARK does not verify: {0}")]
    Snark(#[from] snark::SnarkError),
}
