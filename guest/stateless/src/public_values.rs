//! What a proof of the block-validator guest states: which chain and block, on which
//! parent and pre-state, leading to which post-state. ABI-encoded, so that the L1
//! contract can recompute the commitment from the same fields.

use alloc::vec::Vec;

use alloy_primitives::{keccak256, B256};
use alloy_sol_types::{sol, SolValue};

sol! {
    /// The public values of one validated block.
    #[derive(Debug, PartialEq, Eq)]
    struct PublicValues {
        /// EIP-155 chain id.
        uint64 chainId;
        /// The block's number.
        uint64 blockNumber;
        /// The parent block's hash.
        bytes32 parentHash;
        /// The block's hash.
        bytes32 blockHash;
        /// The parent's state root (the pre-state).
        bytes32 parentStateRoot;
        /// The block's state root (the post-state).
        bytes32 stateRoot;
    }
}

impl PublicValues {
    /// The ABI encoding the guest commits.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.abi_encode()
    }

    /// Decodes [`Self::to_bytes`] output.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, alloy_sol_types::Error> {
        Self::abi_decode(bytes)
    }

    /// The keccak-256 of the encoding: what the final proof commits to.
    pub fn commitment(&self) -> B256 {
        keccak256(self.to_bytes())
    }
}
