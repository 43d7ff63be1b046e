//! The hooks through which the interpreter reports what it does.
//!
//! Fast mode runs with [`NoTrace`], whose hooks are empty and inlined away, so the same
//! interpreter loop serves both modes at full speed. Trace mode runs with
//! [`crate::segment::SegmentBuilder`].

use crate::executor::Executor;
use crate::memory::Memory;
use crate::trace::{AccessKind, PrecompileCall};

/// Receives every event of an execution.
pub(crate) trait Tracer {
    /// Whether the hooks do anything; lets the interpreter skip building their arguments.
    const ENABLED: bool;

    /// The current segment is full: close it at the executor's current state and open
    /// the next one.
    fn begin_segment(&mut self, executor: &Executor);

    /// Whether the open segment's hash slots are so full that it must end before the next
    /// instruction.
    fn slots_full(&self) -> bool {
        false
    }

    /// A new instruction starts at global row `row`.
    fn instruction(&mut self, row: u64, pc: u32, word: u32);

    /// A word access by the current instruction, at row `row` and timestamp slot `slot`.
    /// Called before a write is applied, so `memory` still holds `prev`.
    #[allow(clippy::too_many_arguments)]
    fn access(
        &mut self,
        memory: &Memory,
        row: u64,
        slot: u64,
        addr: u32,
        kind: AccessKind,
        prev: u32,
        value: u32,
    );

    /// The current instruction is done: it took `rows` rows and continues at `next_pc`.
    fn finish_instruction(&mut self, next_pc: u32, rows: u32);

    /// `READ` consumed these input bytes.
    fn input(&mut self, bytes: &[u8]);

    /// `COMMIT` appended these bytes to the public output.
    fn output(&mut self, bytes: &[u8]);

    /// A precompile was called.
    fn precompile(&mut self, call: PrecompileCall);
}

/// The tracer of fast mode: records nothing.
pub(crate) struct NoTrace;

impl Tracer for NoTrace {
    const ENABLED: bool = false;

    #[inline(always)]
    fn begin_segment(&mut self, _: &Executor) {}

    #[inline(always)]
    fn instruction(&mut self, _: u64, _: u32, _: u32) {}

    #[inline(always)]
    fn access(&mut self, _: &Memory, _: u64, _: u64, _: u32, _: AccessKind, _: u32, _: u32) {}

    #[inline(always)]
    fn finish_instruction(&mut self, _: u32, _: u32) {}

    #[inline(always)]
    fn input(&mut self, _: &[u8]) {}

    #[inline(always)]
    fn output(&mut self, _: &[u8]) {}

    #[inline(always)]
    fn precompile(&mut self, _: PrecompileCall) {}
}
