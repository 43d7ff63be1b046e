//! Typed execution errors. Every way a guest can fail ends in an [`ExecutionError`]
//! carrying the program counter and cycle at which it happened; none is a panic.

use crate::elf::ElfError;

/// What went wrong while executing a guest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    /// The word at `pc` is not an RV32IM instruction.
    #[error("invalid instruction {0:#010x}")]
    InvalidInstruction(u32),
    /// The program counter is not word aligned.
    #[error("misaligned instruction fetch")]
    MisalignedFetch,
    /// A load or store of `width` bytes at an address that is not a multiple of `width`.
    #[error("misaligned {width}-byte access at {addr:#010x}")]
    MisalignedAccess {
        /// The effective address.
        addr: u32,
        /// The access width in bytes.
        width: u32,
    },
    /// An access outside guest memory (the machine page or past the top).
    #[error("access to {addr:#010x} outside guest memory")]
    OutOfRangeAccess {
        /// The effective address.
        addr: u32,
    },
    /// `ecall` with a number in `t0` that names no syscall.
    #[error("unknown syscall {0:#x}")]
    UnknownSyscall(u32),
    /// A syscall argument breaks the ABI (misaligned pointer, odd length, …).
    #[error("bad argument to syscall {syscall:#x}: {reason}")]
    BadSyscallArgument {
        /// The syscall number.
        syscall: u32,
        /// What is wrong.
        reason: &'static str,
    },
    /// The guest executed `ebreak`.
    #[error("breakpoint (ebreak)")]
    Breakpoint,
    /// The configured cycle limit was reached before the guest halted.
    #[error("cycle limit of {0} exceeded")]
    CycleLimitExceeded(u64),
    /// The guest touched more memory than the configured limit.
    #[error("memory limit of {0} bytes exceeded")]
    MemoryLimitExceeded(u64),
    /// `READ` asked for more bytes than the input stream has left.
    #[error("read of {requested} bytes past the end of the input ({remaining} left)")]
    InputExhausted {
        /// Bytes asked for.
        requested: u32,
        /// Bytes left in the input stream.
        remaining: usize,
    },
}

/// Execution stopped with an error at `pc` during `cycle`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} (pc {pc:#010x}, cycle {cycle})")]
pub struct ExecutionError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Program counter of the failing instruction.
    pub pc: u32,
    /// Cycle at which it failed.
    pub cycle: u64,
}

/// Any failure of [`crate::execute`] or [`crate::trace`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VmError {
    /// The ELF file was refused.
    #[error(transparent)]
    Elf(#[from] ElfError),
    /// The guest failed while running.
    #[error(transparent)]
    Execution(#[from] ExecutionError),
    /// The configuration is unusable.
    #[error("invalid executor configuration: {0}")]
    Config(String),
}
