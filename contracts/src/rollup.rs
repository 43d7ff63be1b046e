//! `Rollup.sol` from Rust: its ABI (`sol!`), the deployment code, and the calldata of
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

sol! {
    /// `Rollup.sol`'s interface (the contract is the source of truth; the tests run this
    /// ABI against the compiled contract).
    #[derive(Debug, PartialEq, Eq)]
    contract Rollup {
        /// What the proof of one L2 block states.
        struct PublicValues {
            uint64 chainId;
            uint64 blockNumber;
            bytes32 parentHash;
            bytes32 blockHash;
            bytes32 parentStateRoot;
            bytes32 stateRoot;
        }

        event BlockProven(uint64 indexed number, bytes32 blockHash, bytes32 stateRoot);
        event ProgramIdChanged(bytes32 previous, bytes32 current);
        event OwnershipTransferred(address indexed previous, address indexed current);

        error WrongChain(uint64 expected, uint64 found);
        error BlockAlreadyProven(uint64 lastAccepted, uint64 found);
        error BlockGap(uint64 expected, uint64 found);
        error WrongParentHash(bytes32 expected, bytes32 found);
        error WrongParentStateRoot(bytes32 expected, bytes32 found);
        error WrongProgram(bytes32 expected, bytes32 found);
        error MalformedProof(uint256 length);
        error InvalidProof();
        error NotOwner(address caller);
        error NoVerifierCode(address verifier);

        constructor(
            uint64 chainId_,
            uint64 genesisNumber,
            bytes32 genesisHash,
            bytes32 genesisStateRoot,
            bytes32 programId_,
            address verifier_
        );

        function submitBlockProof(PublicValues calldata pv, bytes calldata proof) external;
        function setProgramId(bytes32 programId_) external;
        function transferOwnership(address newOwner) external;
        function chainId() external view returns (uint64);
        function verifier() external view returns (address);
        function owner() external view returns (address);
        function programId() external view returns (bytes32);
        function lastBlockNumber() external view returns (uint64);
        function lastBlockHash() external view returns (bytes32);
        function lastStateRoot() external view returns (bytes32);
    }
}

impl From<&stateless::PublicValues> for Rollup::PublicValues {
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
