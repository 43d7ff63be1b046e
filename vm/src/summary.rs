//! What an execution reports: cycles, exit code, public output and syscall counts.

use serde::{Deserialize, Serialize};

/// How many times each syscall was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyscallCounts {
    /// `HALT` calls (0 or 1).
    pub halt: u64,
    /// `READ` calls.
    pub read: u64,
    /// `COMMIT` calls.
    pub commit: u64,
    /// `LOG` calls.
    pub log: u64,
    /// `KECCAK_PERMUTE` calls.
    pub keccak_permute: u64,
    /// `SECP256K1_RECOVER` calls.
    pub secp256k1_recover: u64,
}

/// The outcome of a run that halted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecutionSummary {
    /// Rows the execution takes in the circuits: one per instruction plus syscall data rows.
    pub cycles: u64,
    /// Instructions executed.
    pub instructions: u64,
    /// Number of segments at the configured segment size. Trace mode may cut more: it also
    /// ends a segment whose hashing would outgrow its circuit (`vm::hash_slots`).
    pub segments: u64,
    /// log2 of the segment size used to count `segments`.
    pub segment_po2: u32,
    /// The code passed to `HALT`; 0 means success.
    pub exit_code: u32,
    /// The bytes committed with `COMMIT`: the public output.
    pub output: Vec<u8>,
    /// Syscall counts.
    pub syscalls: SyscallCounts,
    /// Pages touched (resident memory = pages × page size).
    pub resident_pages: u64,
    /// Messages the guest printed with `LOG` (not part of the proven statement).
    pub logs: Vec<String>,
}
