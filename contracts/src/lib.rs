//! The L1 side of the rollup: `Rollup.sol` and the final SNARK's generated verifier
//! (`solidity/`), compiled by solc 0.8.19 when this crate builds ([`artifacts`]); the
//! calldata of `submitBlockProof` for a [`prover::Proof`] ([`rollup`]); an in-process EVM
//! that deploys and calls them ([`evm`]); and the committed test fixture, a real proof
//! with the verifier generated for it ([`fixture`]).

pub mod artifacts;
pub mod evm;
pub mod fixture;
pub mod rollup;

pub use artifacts::{Artifact, ArtifactError};
pub use evm::{Evm, EvmError, Outcome};
pub use rollup::{proof_bytes, submit_calldata, CalldataError, Rollup};
