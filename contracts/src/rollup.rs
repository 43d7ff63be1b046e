//! `Rollup.sol` from Rust: its ABI (`sol!` reads `solidity/Rollup.sol` itself, so the
//! bindings cannot drift from the contract), the deployment code, and the calldata of
//! `submitBlockProof` for a proof of a block's public values.
//!
//! The `proof` argument is [`proof_bytes`]: the wrapper's 12 accumulator limbs, the
//! program id and the halo2 transcript. The contract rebuilds the verifier's public
//! inputs from its pinned program id and `keccak256(abi.encode(pv))`, so the digest halves
//! the wrapper exposes travel only as the public values themselves.

use alloy_primitives::{Address, B256};
use alloy_sol_types::{sol, SolCall, SolConstructor};
use prover::{scalar_word, Proof, PublicInputs};

use crate::artifacts::Artifact;

sol!(
    #[sol(all_derives)]
    "solidity/Rollup.sol"
);

/// The guest's public values (the same ABI type, declared for the guest by `stateless`).
impl From<&stateless::PublicValues> for PublicValues {
    fn from(pv: &stateless::PublicValues) -> Self {
        Self {
            chainId: pv.chainId,
            blockNumber: pv.blockNumber,
            parentHash: pv.parentHash,
            blockHash: pv.blockHash,
            parentStateRoot: pv.parentStateRoot,
            stateRoot: pv.stateRoot,
        }
    }
}

/// Where a rollup starts: the chain and the block proofs build on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Genesis {
    /// The L2's EIP-155 chain id.
    pub chain_id: u64,
    /// The number of the first accepted block (the next proof is for the one after it).
    pub number: u64,
    /// Its hash.
    pub hash: B256,
    /// Its state root.
    pub state_root: B256,
}

/// The proof's program id as the contract stores it: the field element's 32 big-endian
/// bytes.
pub fn program_id_word(proof: &Proof) -> B256 {
    B256::from(scalar_word(&proof.program_id))
}

/// The creation code of a `Rollup` for `genesis`, accepting `program_id`'s proofs checked
/// by the verifier at `verifier`.
pub fn deploy_code(
    artifact: &Artifact,
    genesis: &Genesis,
    program_id: B256,
    verifier: Address,
) -> Vec<u8> {
    let args = Rollup::constructorCall {
        chainId_: genesis.chain_id,
        genesisNumber: genesis.number,
        genesisHash: genesis.hash,
        genesisStateRoot: genesis.state_root,
        programId_: program_id,
        verifier_: verifier,
    }
    .abi_encode();
    let mut code = artifact.bytecode.clone();
    code.extend(args);
    code
}

/// `submitBlockProof`'s `proof` argument: the accumulator limbs, the program id, then the
/// transcript (each scalar as a 32-byte big-endian word).
pub fn proof_bytes(proof: &Proof) -> Vec<u8> {
    let PublicInputs { accumulator, program_id, .. } = proof.public_inputs;
    let mut bytes = Vec::with_capacity(32 * (accumulator.len() + 1) + proof.proof.len());
    for limb in accumulator.iter().chain([&program_id]) {
        bytes.extend(scalar_word(limb));
    }
    bytes.extend(&proof.proof);
    bytes
}

/// Why no calldata could be made.
#[derive(Debug, thiserror::Error)]
pub enum CalldataError {
    /// The proof states another digest than these public values' commitment.
    #[error("the proof commits {proved}, not keccak256(abi.encode(public values)) = {expected}")]
    DigestMismatch {
        /// The digest the proof states.
        proved: B256,
        /// The public values' commitment.
        expected: B256,
    },
}

/// The calldata of `submitBlockProof(pv, proof)`, once the proof is checked to state
/// `pv`'s commitment.
pub fn submit_calldata(
    pv: &stateless::PublicValues,
    proof: &Proof,
) -> Result<Vec<u8>, CalldataError> {
    let expected = pv.commitment();
    let proved = B256::from(proof.output.0);
    if proved != expected {
        return Err(CalldataError::DigestMismatch { proved, expected });
    }
    Ok(Rollup::submitBlockProofCall { pv: pv.into(), proof: proof_bytes(proof).into() }
        .abi_encode())
}
