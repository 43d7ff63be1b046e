//! Executor configuration: limits and the segment size.

use serde::{Deserialize, Serialize};

use crate::error::VmError;

/// Smallest allowed segment size (log2 rows): a full `READ` chunk must fit in a segment.
pub const MIN_SEGMENT_PO2: u32 = 9;
/// Largest allowed segment size (log2 rows).
pub const MAX_SEGMENT_PO2: u32 = 26;
/// Rows of every `2^segment_po2` that the segment circuit keeps for itself (halo2's
/// blinding rows and a closing row), so a segment of `2^segment_po2` rows fits a circuit of
/// `2^segment_po2` rows.
pub const SEGMENT_RESERVED_ROWS: u64 = 64;

/// Limits and segmenting for one execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutorConfig {
    /// Execution fails once this many cycles (rows) have run without a halt.
    pub cycle_limit: u64,
    /// Execution fails once the guest touches more than this many bytes of memory
    /// (counted in whole pages, program image included).
    pub memory_limit_bytes: u64,
    /// Segments hold `2^segment_po2 - SEGMENT_RESERVED_ROWS` rows and are proved by a
    /// circuit of `2^segment_po2` rows. The default, [`DEFAULT_SEGMENT_PO2`], is the
    /// largest segment whose proof fits a 24 GiB, 2-core prover.
    pub segment_po2: u32,
}

/// The default segment size: a 2^18-row segment proves in 12.8 GiB at about 1,185
/// cycles/s on 2 cores; 2^19 would need about 25 GiB (`make bench-prover`).
pub const DEFAULT_SEGMENT_PO2: u32 = 18;

impl Default for ExecutorConfig {
    fn default() -> Self {
        Self {
            cycle_limit: 1 << 32,
            memory_limit_bytes: 256 << 20,
            segment_po2: DEFAULT_SEGMENT_PO2,
        }
    }
}

impl ExecutorConfig {
    /// Rows per segment: `2^segment_po2` less [`SEGMENT_RESERVED_ROWS`].
    pub fn segment_rows(&self) -> u64 {
        (1 << self.segment_po2) - SEGMENT_RESERVED_ROWS
    }

    /// Checks that the configuration is usable.
    pub fn validate(&self) -> Result<(), VmError> {
        if !(MIN_SEGMENT_PO2..=MAX_SEGMENT_PO2).contains(&self.segment_po2) {
            return Err(VmError::Config(format!(
                "segment_po2 {} is outside {MIN_SEGMENT_PO2}..={MAX_SEGMENT_PO2}",
                self.segment_po2
            )));
        }
        if self.memory_limit_bytes < u64::from(abi::memory::PAGE_SIZE) {
            return Err(VmError::Config("memory limit is smaller than one page".into()));
        }
        Ok(())
    }
}
