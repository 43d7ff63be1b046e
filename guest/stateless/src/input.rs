//! What the guest reads: a block with everything needed to validate it without a
//! database. RLP-encoded (alloy-rlp), so the host and the guest share one canonical form.

use alloc::vec::Vec;

use alloy_consensus::Header;
use alloy_primitives::Bytes;
use alloy_rlp::{Decodable, Encodable, RlpDecodable, RlpEncodable};

use crate::chain::ChainConfig;

/// A block and its witness.
#[derive(Debug, Clone, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct GuestInput {
    /// The rules to validate under.
    pub chain: ChainConfig,
    /// The block's RLP encoding (header, transactions, ommers, withdrawals), decoded and
    /// checked by validation itself so that a malformed block is a typed error.
    pub block: Bytes,
    /// The parent header; its state root is the pre-state the witness must open.
    pub parent: Header,
    /// Merkle-Patricia trie nodes (account trie and storage tries) of every account and
    /// slot the block touches, in any order.
    pub state: Vec<Bytes>,
    /// Contract codes the block runs, in any order (each is bound by its hash).
    pub codes: Vec<Bytes>,
    /// Ancestor headers for BLOCKHASH, newest first: the parent's parent, then its
    /// parent, and so on (each is bound by the previous one's parent hash).
    pub ancestors: Vec<Header>,
}

impl GuestInput {
    /// The canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.length());
        self.encode(&mut out);
        out
    }

    /// Decodes [`Self::to_bytes`] output; trailing bytes are an error.
    pub fn from_bytes(mut bytes: &[u8]) -> Result<Self, alloy_rlp::Error> {
        let input = Self::decode(&mut bytes)?;
        if !bytes.is_empty() {
            return Err(alloy_rlp::Error::UnexpectedLength);
        }
        Ok(input)
    }
}
