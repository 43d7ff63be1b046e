//! Every way a block can fail validation, each naming what differs.

use alloc::string::String;

use alloy_primitives::B256;

use crate::mpt::TrieError;

/// A header field that validation checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderField {
    /// `parent_hash` against the parent header's hash.
    ParentHash,
    /// `number` against the parent's number plus one.
    Number,
    /// `timestamp`, which must exceed the parent's.
    Timestamp,
    /// `gas_limit`, within 1/1024 of the parent's and at least 5000.
    GasLimit,
    /// `gas_used` against execution (and at most the gas limit).
    GasUsed,
    /// `extra_data`, at most 32 bytes.
    ExtraData,
    /// `base_fee_per_gas` against EIP-1559's rule.
    BaseFee,
    /// `ommers_hash`, `difficulty` and `nonce`, fixed since the merge.
    ProofOfStakeFields,
    /// `transactions_root`.
    TransactionsRoot,
    /// `withdrawals_root`.
    WithdrawalsRoot,
    /// `receipts_root`.
    ReceiptsRoot,
    /// `logs_bloom`.
    LogsBloom,
    /// `blob_gas_used`.
    BlobGasUsed,
    /// `excess_blob_gas` against EIP-4844's rule.
    ExcessBlobGas,
    /// `parent_beacon_block_root`, present exactly from Cancun.
    ParentBeaconBlockRoot,
    /// `requests_hash`.
    RequestsHash,
    /// `state_root`.
    StateRoot,
}

/// Why a block (or its witness) was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// The guest input does not decode.
    #[error("guest input does not decode: {0}")]
    Input(alloy_rlp::Error),
    /// The block's RLP does not decode.
    #[error("block does not decode: {0}")]
    BlockDecode(alloy_rlp::Error),
    /// The chain config names no supported fork.
    #[error("unsupported fork code {0}")]
    UnsupportedFork(u8),
    /// The witness does not open what execution needs.
    #[error("state witness: {0}")]
    Witness(#[from] TrieError),
    /// An account in the witness does not decode.
    #[error("account {0} in the witness does not decode")]
    InvalidAccount(B256),
    /// A storage value in the witness does not decode.
    #[error("storage slot {0} in the witness does not decode")]
    InvalidStorage(B256),
    /// A contract's code is not in the witness.
    #[error("code {0} is missing from the witness")]
    MissingCode(B256),
    /// BLOCKHASH asked for a block whose header is not among the ancestors.
    #[error("no ancestor header for block {0}")]
    MissingAncestor(u64),
    /// An ancestor header does not link to its child.
    #[error("ancestor header {0} does not link to its child")]
    BrokenAncestry(u64),
    /// A header field differs from what the parent and the body imply.
    #[error("header field {field:?}: header has {header}, expected {expected}")]
    Header {
        /// The field.
        field: HeaderField,
        /// The value in the header.
        header: String,
        /// The value validation derived.
        expected: String,
    },
    /// A field the fork requires is absent, or one it forbids is present.
    #[error("header field {0:?} is absent or present against the fork")]
    ForkField(HeaderField),
    /// A body part the fork forbids is present, or one it requires is absent.
    #[error("block body: {0}")]
    Body(&'static str),
    /// A transaction's signature does not recover a sender.
    #[error("transaction {0}: sender does not recover")]
    Sender(usize),
    /// revm (through alloy-evm) rejected a transaction or a system call.
    #[error("execution: {0}")]
    Execution(String),
}

/// The `block-validator` guest halts with `INVALID_BLOCK_EXIT + `[`ValidationError::code`]
/// when it rejects a block, so that the host learns the kind of error from the exit code
/// alone (a panic halts with 101, success with 0).
pub const INVALID_BLOCK_EXIT: u32 = 0x1_0000;

impl ValidationError {
    /// A stable number for the kind of error (and, for header errors, the field): the
    /// native run and the guest agree on a rejection when their codes are equal.
    pub fn code(&self) -> u32 {
        match self {
            Self::Input(_) => 1,
            Self::BlockDecode(_) => 2,
            Self::UnsupportedFork(_) => 3,
            Self::Witness(_) => 4,
            Self::InvalidAccount(_) => 5,
            Self::InvalidStorage(_) => 6,
            Self::MissingCode(_) => 7,
            Self::MissingAncestor(_) => 8,
            Self::BrokenAncestry(_) => 9,
            Self::Body(_) => 10,
            Self::Sender(_) => 11,
            Self::Execution(_) => 12,
            Self::Header { field, .. } => 0x100 + *field as u32,
            Self::ForkField(field) => 0x200 + *field as u32,
        }
    }

    /// The exit code with which the guest halts on this error.
    pub fn exit_code(&self) -> u32 {
        INVALID_BLOCK_EXIT + self.code()
    }
}
