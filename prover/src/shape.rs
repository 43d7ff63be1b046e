//! The shape of a proof's tree: how many segment proofs and precompile batch proofs it
//! verifies. It decides which nodes are proved, not their keys: one wrapper key (and one
//! EVM verifier) serves every shape.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::pipeline::MAX_SEGMENTS;

/// Segment proofs and precompile batch proofs under one wrapper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct TreeShape {
    /// Segment proofs (at least one).
    pub segments: u32,
    /// keccak-f batch proofs (0: no keccak node).
    pub keccak_batches: u32,
    /// secp256k1 recovery batch proofs (0: no secp node).
    pub secp_batches: u32,
}

impl TreeShape {
    /// A tree over `segments` segments and no precompile batches.
    pub fn segments(segments: u32) -> Self {
        Self { segments, ..Self::default() }
    }

    /// The same tree with `keccak_batches` keccak-f batches.
    pub fn with_keccak(self, keccak_batches: u32) -> Self {
        Self { keccak_batches, ..self }
    }

    /// The same tree with `secp_batches` secp256k1 batches.
    pub fn with_secp(self, secp_batches: u32) -> Self {
        Self { secp_batches, ..self }
    }

    /// Whether a tree of this shape can exist: at least one segment, and no count above
    /// [`MAX_SEGMENTS`].
    pub fn is_valid(&self) -> bool {
        self.segments > 0
            && [self.segments, self.keccak_batches, self.secp_batches]
                .iter()
                .all(|&n| n <= MAX_SEGMENTS)
    }
}

impl fmt::Display for TreeShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} segment(s), {} keccak-f batch(es) and {} secp256k1 batch(es)",
            self.segments, self.keccak_batches, self.secp_batches
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shape_names_its_counts_and_bounds_them() {
        let shape = TreeShape::segments(2).with_keccak(1).with_secp(3);
        assert_eq!(
            shape.to_string(),
            "2 segment(s), 1 keccak-f batch(es) and 3 secp256k1 batch(es)"
        );
        assert!(shape.is_valid());
        assert!(!TreeShape::segments(0).is_valid());
        assert!(!shape.with_secp(MAX_SEGMENTS + 1).is_valid());
    }
}
