//! The RV32IM executor of the zkVM.
//!
//! It loads a guest ELF ([`Program::from_elf`]), runs it on a RISC-V machine with the
//! syscalls of [`abi::syscall`], and either
//! - **fast mode** ([`execute`]): reports cycles, exit code, public output and syscall
//!   counts, or
//! - **trace mode** ([`trace`]): additionally cuts the run into segments of `2^k` rows
//!   and returns one plain-data [`SegmentRecord`] per segment, the only thing the
//!   circuits read.
//!
//! Every failure is a typed [`VmError`]; the executor never panics on guest input.
//!
//! ```no_run
//! let elf = std::fs::read("fibonacci.elf")?;
//! let mut input = abi::io::InputBuilder::new();
//! input.write(&10u32)?;
//! let summary = vm::execute(&elf, &input.into_bytes(), &vm::ExecutorConfig::default())?;
//! println!("{} cycles, exit code {}", summary.cycles, summary.exit_code);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod config;
mod elf;
pub mod encode;
mod error;
mod executor;
mod instruction;
mod memory;
pub mod precompiles;
pub mod profile;
mod segment;
mod slot_budget;
mod summary;
mod syscall;
pub mod trace;
mod tracer;

pub use config::{
    ExecutorConfig, DEFAULT_SEGMENT_PO2, MAX_SEGMENT_PO2, MIN_SEGMENT_PO2, SEGMENT_RESERVED_ROWS,
};
pub use elf::{ElfError, Program};
pub use error::{ErrorKind, ExecutionError, VmError};
pub use executor::{alu, branch_taken, Executor};
pub use instruction::{decode, Instruction, InvalidInstruction, Opcode};
pub use slot_budget::{
    hash_slots, Chain, CHAIN_ROWS_PER_ELEMENT, HASH_SLOT_ROWS, KECCAK_CHAIN_ROWS,
    MIN_PROVABLE_SEGMENT_PO2, PAGE_LEAF_SLOTS, SECP_CHAIN_ROWS,
};
pub use summary::{ExecutionSummary, SyscallCounts};
pub use trace::SegmentRecord;

use segment::SegmentBuilder;
use tracer::NoTrace;

impl Executor {
    /// Runs to the end in fast mode.
    pub fn run_fast(&mut self) -> Result<ExecutionSummary, ExecutionError> {
        self.run(&mut NoTrace)?;
        Ok(self.summary())
    }

    /// Runs at most `rows` more rows in fast mode: the summary once the guest has halted,
    /// `None` when it paused first. A caller slices a long run this way to report progress
    /// or to stop it; the sliced run ends exactly as [`Executor::run_fast`] would.
    pub fn run_fast_for(&mut self, rows: u64) -> Result<Option<ExecutionSummary>, ExecutionError> {
        let halted = self.run_until(&mut NoTrace, self.row.saturating_add(rows))?;
        Ok(halted.then(|| self.summary()))
    }

    /// The rows (cycles) run so far.
    pub fn cycles(&self) -> u64 {
        self.row
    }

    /// Runs to the end in trace mode and returns the segment records.
    pub fn run_traced(&mut self) -> Result<(ExecutionSummary, Vec<SegmentRecord>), ExecutionError> {
        let mut segments = Vec::new();
        let summary = self.run_traced_with(|segment| segments.push(segment))?;
        Ok((summary, segments))
    }

    /// Runs to the end in trace mode, handing each segment record to `on_segment` as soon
    /// as it is complete, so that a long run never holds all its records at once.
    pub fn run_traced_with(
        &mut self,
        on_segment: impl FnMut(SegmentRecord),
    ) -> Result<ExecutionSummary, ExecutionError> {
        let mut builder = SegmentBuilder::new(self, on_segment);
        self.run(&mut builder)?;
        builder.finish(self);
        Ok(self.summary())
    }

    fn summary(&self) -> ExecutionSummary {
        ExecutionSummary {
            cycles: self.row,
            instructions: self.instructions,
            segments: self.clock.segments(),
            segment_po2: self.config.segment_po2,
            exit_code: self.exit_code.unwrap_or(u32::MAX),
            output: self.output.clone(),
            syscalls: self.syscalls,
            resident_pages: self.memory.resident_pages(),
            logs: self.logs.clone(),
        }
    }
}

/// A checked configuration and a machine at the program's entry point.
pub(crate) fn start(
    program: &Program,
    input: &[u8],
    config: &ExecutorConfig,
) -> Result<Executor, VmError> {
    config.validate()?;
    Ok(Executor::new(program, input.to_vec(), config.clone())?)
}

/// Runs a loaded program in fast mode: no trace, just the outcome.
pub fn execute_program(
    program: &Program,
    input: &[u8],
    config: &ExecutorConfig,
) -> Result<ExecutionSummary, VmError> {
    Ok(start(program, input, config)?.run_fast()?)
}

/// Runs a loaded program in trace mode and returns its segment records.
pub fn trace_program(
    program: &Program,
    input: &[u8],
    config: &ExecutorConfig,
) -> Result<(ExecutionSummary, Vec<SegmentRecord>), VmError> {
    Ok(start(program, input, config)?.run_traced()?)
}

/// Runs a guest ELF in fast mode: no trace, just the outcome.
pub fn execute(
    elf: &[u8],
    input: &[u8],
    config: &ExecutorConfig,
) -> Result<ExecutionSummary, VmError> {
    execute_program(&Program::from_elf(elf)?, input, config)
}

/// Runs a guest ELF in trace mode and returns its segment records.
pub fn trace(
    elf: &[u8],
    input: &[u8],
    config: &ExecutorConfig,
) -> Result<(ExecutionSummary, Vec<SegmentRecord>), VmError> {
    trace_program(&Program::from_elf(elf)?, input, config)
}
